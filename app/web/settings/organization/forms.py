"""The console's forms. Their choices are offered, not trusted: the domain functions check
every value again, so a hand-made POST meets the same rules."""

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from app.core.models import User
from app.organization import policies
from app.web.forms import Form


class OwnerForm(Form):
    """Give a bot to another active person (it gets new keys: bot_ownership)."""

    new_owner = SelectField(_l("New owner"), validate_choice=False)
    back = HiddenField()

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_owner.choices = [
            SelectChoice(str(person.id), f"{person.full_name} <{person.email}>")
            for person in people
        ]

    def new_owner_id(self) -> int:
        """The id chosen; 0 (nobody) for anything that is not one, which transfer refuses."""
        raw = self.new_owner.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0


SECOND_FACTOR_LABELS = {
    policies.NOBODY: _l("Nobody is required to"),
    policies.ADMINISTRATORS: _l("Administrators"),
    policies.KEY_MAKERS: _l("Everyone who creates keys or bots"),
}


class PoliciesForm(Form):
    """The policies; policies.change says what each may be."""

    bot_creation_policy = SelectField(
        _l("Who may create bots"),
        choices=[
            SelectChoice(policies.EVERYONE, _l("Everyone")),
            SelectChoice(policies.ADMINS_ONLY, _l("Administrators only")),
        ],
        validate_choice=False,
    )
    max_bots_per_user = StringField(_l("Most bots a person may own"))
    max_key_lifetime_days = StringField(_l("Longest lifetime of a new key, in days (0: no cap)"))
    registration_open = BooleanField(_l("Anyone may register an account"))
    second_factor_required = SelectField(
        _l("Who must use two-factor authentication"),
        choices=[
            SelectChoice(policies.NOBODY, SECOND_FACTOR_LABELS[policies.NOBODY]),
            SelectChoice(policies.ADMINISTRATORS, SECOND_FACTOR_LABELS[policies.ADMINISTRATORS]),
            SelectChoice(policies.KEY_MAKERS, SECOND_FACTOR_LABELS[policies.KEY_MAKERS]),
        ],
        validate_choice=False,
    )

    stale_key_days = StringField(_l("A key unused this many days is stale"))
    stale_key_expiry_days = StringField(
        _l("A stale named key expires this many days after its owner is told (0: never)")
    )

    def wanted(self) -> dict[str, Any]:
        return {
            "bot_creation_policy": self.bot_creation_policy.data,
            "max_bots_per_user": _whole_number(self.max_bots_per_user.data),
            "max_key_lifetime_days": _whole_number(self.max_key_lifetime_days.data),
            "registration_open": bool(self.registration_open.data),
            "second_factor_required": self.second_factor_required.data,
            "stale_key_days": _whole_number(self.stale_key_days.data),
            "stale_key_expiry_days": _whole_number(self.stale_key_expiry_days.data),
        }


def _whole_number(raw: str | None) -> int:
    """The number typed; -1 for anything that is not a whole number, so that the policy's
    own range check gives its message ("Use a whole number from 0 to …")."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else -1


class AuditFilterForm(Form):
    """The audit log's filters, read from the query string (a GET: no CSRF token)."""

    class Meta(Form.Meta):
        csrf = False

    user = SelectField(_l("Person"), validate_choice=False)
    bot = SelectField(_l("Bot"), validate_choice=False)
    event = SelectField(_l("Event"), validate_choice=False)
    since = StringField(_l("From"), render_kw={"type": "date"})
    until = StringField(_l("To"), render_kw={"type": "date"})
    page = HiddenField()


class InventoryFilterForm(Form):
    """The key inventory's filters and order, read from the query string (a GET)."""

    class Meta(Form.Meta):
        csrf = False

    holder = StringField(_l("Holder's name or email"))
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice("", _l("Every kind")),
            SelectChoice("primary", _l("Primary key")),
            SelectChoice("named", _l("Named key")),
            SelectChoice("rolled", _l("Replaced key")),
            SelectChoice("token", _l("Token")),
        ],
        validate_choice=False,
    )
    stale = BooleanField(_l("Only stale keys"))
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("holder", _l("Holder")),
            SelectChoice("kind", _l("Kind")),
            SelectChoice("created", _l("Created")),
            SelectChoice("expires", _l("Expires")),
            SelectChoice("last_used", _l("Last used")),
            SelectChoice("calls", _l("Calls in 30 days")),
        ],
        validate_choice=False,
    )
    order = SelectField(
        _l("Order"),
        choices=[SelectChoice("asc", _l("Ascending")), SelectChoice("desc", _l("Descending"))],
        validate_choice=False,
    )
    page = HiddenField()


class BotEditForm(OwnerForm):
    """Your bots > Edit (the owner's own page): a new name, and a new owner (the owner
    themselves to keep it)."""

    # Not "full_name": the Your-bots page behind the dialog has a field with that id.
    bot_name = StringField(_l("Full name"), validators=[InputRequired()])
