"""The zuliprc download: the site it names, the format asked for, the no-store attachment."""

from flask import abort, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core import db
from app.core.headers import no_store
from app.core.hosts import site_url
from app.core.i18n import gettext as _
from app.keys import zuliprc
from keyfob_client.rcfile import Format, UnwritableValue

FILENAME = "zuliprc"  # both formats: the name every Zulip doc and tool expects
MIMETYPES = {Format.TOML: "application/toml", Format.INI: "text/plain"}


def requested_format() -> Format:
    """``?format=ini`` or ``?format=toml`` (the default); any other value is a 404, before
    the key is touched. A format name is no secret, so it may sit in the URL."""
    try:
        return Format(request.args.get("format", Format.TOML))
    except ValueError:
        abort(404)


def download(
    subject_id: int, email: str, named_key_id: int | None = None, *, decoy: bool = False
) -> Response | tuple[str, int]:
    """The subject's rc file for the logged-in user, as an attachment named zuliprc, never
    cached; 404 if the subject has no such key (``named_key_id``: one of its named keys, or
    with ``decoy``, of its decoys).
    A value the format cannot hold is refused with a page naming the field (409: the
    account's settings, not the request, are at fault)."""
    file_format = requested_format()
    try:
        document = zuliprc.issue(
            db.session(),
            subject_id,
            email,
            site_url(),
            file_format,
            actor_id=current_user.id,
            named_key_id=named_key_id,
            decoy=decoy,
        )
    except UnwritableValue as problem:
        current_app.logger.warning("zuliprc refused: %s", problem)  # the field, never a value
        title = _("This zuliprc cannot be written")
        message = _(
            "Its %(field)s holds a line break or surrounding spaces, which the zulip Python "
            "package would misread. Ask the site's administrator to correct it.",
            field=problem.field,
        )
        return render_template("error.html", title=title, message=message), 409
    if document is None:
        abort(404)
    response = Response(document, mimetype=MIMETYPES[file_format])
    response.headers["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return no_store(response)
