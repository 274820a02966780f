"""Organization > Audit: the organization-wide log, filtered by the query string, a page at
a time, and the same filters exported as CSV. Bad filters are form errors, never a 500."""

from datetime import date

from flask import make_response, render_template, request
from werkzeug.wrappers import Response
from wtforms import Field, SelectChoice

from app.core import db
from app.core.audit import EVENT_LABELS, AuditEvent
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.organization import audit_search, roster
from app.web.settings import bp
from app.web.settings.organization import PREFIX, administrators_only
from app.web.settings.organization.forms import AuditFilterForm

MAX_PAGE = 10_000
FILTERS = ("user", "bot", "event", "since", "until")  # what a page link carries on


@bp.get(f"{PREFIX}/audit")
@administrators_only
def org_audit() -> str:
    form, filters, number = _read_filters()
    events, more = audit_search.page(db.session(), filters, number) if filters else ([], False)
    return _page(form, events, more, number)


@bp.get(f"{PREFIX}/audit.csv")
@administrators_only
def org_audit_csv() -> Response | str:
    form, filters, number = _read_filters()
    if filters is None:
        return _page(form, [], False, number)
    response = make_response(audit_search.export_csv(db.session(), filters))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    return no_store(response)


def _page(form: AuditFilterForm, events: list[AuditEvent], more: bool, number: int) -> str:
    return render_template(
        "settings/organization/audit.html",
        tab="organization",
        section="audit",
        form=form,
        events=events,
        more=more,
        number=number,
        labels=EVENT_LABELS,
        query={name: request.args[name] for name in FILTERS if request.args.get(name)},
    )


def _read_filters() -> tuple[AuditFilterForm, audit_search.Filters | None, int]:
    """The filter form from the query string, and the filters (None when one is wrong)."""
    session = db.session()
    form = AuditFilterForm(request.args)
    form.user.choices = _choices(_("Anyone"), [(p.id, p.full_name) for p in roster.people(session)])
    form.bot.choices = _choices(
        _("Any bot"), [(b.id, b.full_name) for b in roster.all_bots(session)]
    )
    form.event.choices = [SelectChoice("", _("Any event"))] + [
        SelectChoice(name, str(EVENT_LABELS[name])) for name in audit_search.event_types()
    ]
    form.validate()
    user_id = _chosen_id(form.user, form.user.choices)
    bot_id = _chosen_id(form.bot, form.bot.choices)
    event = form.event.data or None
    if event is not None and event not in EVENT_LABELS:
        form.event.errors.append(_("Choose one of the offered values."))
    since, until = _day(form.since), _day(form.until)
    if since and until and since > until:
        form.until.errors.append(_("Choose a day on or after the first one."))
    number = _page_number(form)
    if any(field.errors for field in form):
        return form, None, number
    return form, audit_search.Filters(user_id, bot_id, event, since, until), number


def _choices(anyone: str, options: list[tuple[int, str]]) -> list[SelectChoice]:
    return [SelectChoice("", anyone)] + [SelectChoice(str(i), name) for i, name in options]


def _chosen_id(field: Field, choices: list[SelectChoice]) -> int | None:
    raw = field.data or ""
    if not raw:
        return None
    if raw not in {choice.value for choice in choices}:
        field.errors.append(_("Choose one of the offered values."))
        return None
    return int(raw)


def _day(field: Field) -> date | None:
    raw = (field.data or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else date.fromisoformat("")
    except ValueError:
        field.errors.append(_("Enter the date, as YYYY-MM-DD."))
        return None


def _page_number(form: AuditFilterForm) -> int:
    raw = form.page.data or "1"
    if raw.isascii() and raw.isdigit() and 1 <= int(raw[:6]) <= MAX_PAGE and len(raw) <= 6:
        return int(raw)
    form.page.errors.append(_("Choose one of the offered values."))
    return 1
