"""Organization > Keys: every key and token of the people and bots the administrator
manages (app/organization/inventory.py), filtered and sorted by the query string, 100 a
page, and the same list exported as CSV. Bad filters are form errors, never a 500."""

from flask import make_response, render_template, request
from werkzeug.wrappers import Response

from app.core import clock, db
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.organization import inventory
from app.web.settings import bp
from app.web.settings.organization import PREFIX, acting, administrators_only
from app.web.settings.organization.forms import InventoryFilterForm

PAGE_LENGTH = 100
MAX_PAGE = 10_000
QUERY = ("holder", "kind", "stale", "sort", "order")  # what a page link carries on
HOLDER_MAX = 200


@bp.get(f"{PREFIX}/keys")
@administrators_only
def org_inventory() -> str:
    form, filters, number = _read_filters()
    found = inventory.entries(db.session(), acting(), filters) if filters else []
    shown = found[(number - 1) * PAGE_LENGTH : number * PAGE_LENGTH]
    return render_template(
        "settings/organization/inventory.html",
        tab="organization",
        section="keys",
        form=form,
        entries=shown,
        total=len(found),
        number=number,
        more=len(found) > number * PAGE_LENGTH,
        query={name: request.args[name] for name in QUERY if request.args.get(name)},
        now=clock.now(),
        days=inventory.DAYS,
    )


@bp.get(f"{PREFIX}/keys.csv")
@administrators_only
def org_inventory_csv() -> Response | str:
    _form, filters, _number = _read_filters()
    if filters is None:
        return org_inventory()
    found = inventory.entries(db.session(), acting(), filters)
    response = make_response(inventory.export_csv(found))
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = 'attachment; filename="keys.csv"'
    return no_store(response)


def _read_filters() -> tuple[InventoryFilterForm, inventory.Filters | None, int]:
    """The form from the query string, and the filters (None when one is wrong)."""
    form = InventoryFilterForm(request.args)
    form.validate()
    holder = (form.holder.data or "").strip()
    if len(holder) > HOLDER_MAX:
        form.holder.errors.append(_("Use at most %(most)d characters.", most=HOLDER_MAX))
    kind, sort = form.kind.data or "", form.sort.data or "holder"
    order = form.order.data or "asc"
    for field, value, allowed in (
        (form.kind, kind, ("", *inventory.KINDS)),
        (form.sort, sort, inventory.SORTS),
        (form.order, order, ("asc", "desc")),
    ):
        if value not in allowed:
            field.errors.append(_("Choose one of the offered values."))
    number = _page_number(form.page.data)
    if number is None:
        form.page.errors.append(_("Choose one of the offered values."))
    if any(field.errors for field in form):
        return form, None, 1
    filters = inventory.Filters(holder, kind, bool(form.stale.data), sort, order == "desc")
    return form, filters, number or 1


def _page_number(raw: str | None) -> int | None:
    raw = raw or "1"
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    return None
