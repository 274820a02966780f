"""Settings forms; flask-wtf adds the CSRF token to each."""

from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.bots import lifecycle, types
from app.core.i18n import NATIVE_NAMES
from app.core.i18n import gettext as _
from app.keys import named, scopes
from app.people.accounts import PASSWORD_MAX
from app.people.factors import passkeys
from app.web.forms import Form

CODE_MAX = 64  # a code is 6 digits, a recovery code 11 characters


class ReauthForm(Form):
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    # Asked of a person with a second factor (app/people/factors), beside the password.
    code = StringField(_l("Code from your authenticator app"), validators=[Length(max=CODE_MAX)])


class ConfirmForm(Form):
    """A Confirm button: nothing but the CSRF token."""


class AcceptForm(Form):
    """Accepting a bot: Confirm, bound to the offer the page showed (who offered it), so a
    page left open never accepts another offer made since."""

    offered_by = HiddenField()

    def giver_id(self) -> int:
        """The id the page named; 0 (no one, which no offer matches) for anything else."""
        raw = self.offered_by.data or ""
        return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 else 0


class BotForm(Form):
    """Add a new bot; the rules live in app.bots, shared with the API."""

    full_name = StringField(_l("Full name"), validators=[InputRequired()])
    username = StringField(_l("Username"), validators=[InputRequired()])
    # Any other value reaches bots.create, whose message names the field (no coercion error).
    bot_type = SelectField(
        _l("Bot type"),
        choices=[SelectChoice(str(number), label) for number, label in types.LABELS.items()],
        default=str(types.GENERIC),
        validate_choice=False,
    )

    def validate_full_name(self, field: StringField) -> None:
        _apply(lifecycle.clean_full_name, field)

    def validate_username(self, field: StringField) -> None:
        _apply(lifecycle.clean_username, field)


def _apply(rule: Callable[[str], str], field: StringField) -> None:
    try:
        field.data = rule(field.data)
    except lifecycle.InvalidBot as problem:
        raise ValidationError(problem.message) from None


class LanguageForm(Form):
    """The page language: a saved choice, or whatever the browser asks for."""

    language = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Use my browser's language")),
            *(
                SelectChoice(code, name, {"lang": code.replace("_", "-")})
                for code, name in NATIVE_NAMES.items()
            ),
        ],
    )


NEVER = "never"
ON_DATE = "date"


class DecoyForm(Form):
    """Create a decoy key: a name, checked by app/keys/named.py's rules."""

    name = StringField(_l("Name"))


class NamedKeyForm(Form):
    """Create a named key. The choices offered follow the site's lifetime cap; the rules
    (name, room, expiry) are app.named_keys', so a hand-made POST meets them too."""

    name = StringField(_l("Name"))  # a blank one gets named_keys' own message
    expires = SelectField(_l("Expires"), validate_choice=False)
    # A plain text field shown as a date picker: the parsing (and its message) stay ours.
    expires_on = StringField(_l("Expiry date"), render_kw={"type": "date"})
    # Checkboxes the template groups by resource; which names are allowed is scopes' to say.
    scopes = SelectMultipleField(_l("Scopes"), validate_choice=False)
    allowed_networks = TextAreaField(_l("Allowed networks"))
    # Digits typed in a box; app/keys/budgets.py says what a budget may be.
    rate_limit_per_minute = StringField(_l("Requests a minute"), render_kw={"inputmode": "numeric"})

    def __init__(self, *args: Any, cap_days: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [] if cap_days is not None else [SelectChoice(NEVER, _l("Never"))]
        for days in named.LIFETIME_CHOICES_DAYS:
            if cap_days is None or days <= cap_days:
                choices.append(SelectChoice(str(days), _l("In %(num)d days", num=days)))
        choices.append(SelectChoice(ON_DATE, _l("On a date")))
        self.expires.choices = choices
        if self.expires.data is None:
            self.expires.data = choices[0].value

    def expires_at(self) -> datetime | None:
        """The expiry asked for (None: never); InvalidNamedKey for a choice that is not one.
        Whether it is allowed is named_keys.create's to say."""
        choice = self.expires.data
        if choice == NEVER:
            return None
        if choice == ON_DATE:
            try:
                day = date.fromisoformat((self.expires_on.data or "").strip())
            except ValueError:
                message = _("Enter the date, as YYYY-MM-DD.")
                raise named.InvalidNamedKey("expires_on", message) from None
            return named.expiry_on(day)
        # Only the lifetimes offered: "²".isdigit() is true, and int() of 5,000 digits fails.
        if choice not in {str(days) for days in named.LIFETIME_CHOICES_DAYS}:
            raise named.InvalidNamedKey("expires", _("Choose when the key expires."))
        return named.expiry_in_days(int(choice))


class BudgetForm(Form):
    """A key's request budget: digits, or empty for none (app/keys/budgets.py checks)."""

    rate_limit_per_minute = StringField(_l("Requests a minute"), render_kw={"inputmode": "numeric"})


class NetworksForm(Form):
    """The networks a key may be used from, one per line (app/keys/networks.py checks)."""

    allowed_networks = TextAreaField(_l("Allowed networks"))


def entries(text: str | None) -> list[str]:
    """The networks typed in a box: one per line (commas and spaces separate too)."""
    return (text or "").replace(",", " ").split()


def prefill(form: NamedKeyForm, query: Mapping[str, str], config: Mapping[str, Any]) -> None:
    """Fill a new key's form from a link (``?name=…&scopes=a,b&expires=30``, as a script's
    README may point to): nothing is made until the person submits it. Without ``scopes``
    every box a named key may have is ticked; a name the deployment does not know is
    named in the field's error."""
    if "name" in query:
        form.name.data = query["name"][: named.NAME_MAX * 2]
    if "scopes" not in query:
        form.scopes.data = scopes.preset("full", config)
    else:
        asked = scopes.parse(query["scopes"][:2000])
        offered = scopes.grantable(config)
        form.scopes.data = [name for name in asked if name in offered]
        try:
            scopes.check_requested(asked, config)
        except scopes.InvalidScopes as problem:
            form.scopes.errors = [problem.message]
    _prefill_expiry(form, query.get("expires", "").strip())


def _prefill_expiry(form: NamedKeyForm, wanted: str) -> None:
    """``never``, a number of days (one of the choices, or else that day), or a date."""
    offered = {choice.value for choice in form.expires.choices}
    if wanted in offered:
        form.expires.data = wanted
    elif wanted.isascii() and wanted.isdigit() and len(wanted) <= 5:
        form.expires.data = ON_DATE
        form.expires_on.data = (date.today() + timedelta(days=int(wanted))).isoformat()
    else:
        try:
            form.expires_on.data = date.fromisoformat(wanted).isoformat()
        except ValueError:
            return
        form.expires.data = ON_DATE


# The overlaps a regeneration offers, in seconds: 0 is "the old key stops working now".
GRACE_CHOICES = (
    (0, _l("Now")),
    (3600, _l("In 1 hour")),
    (24 * 3600, _l("In 24 hours")),
    (7 * 24 * 3600, _l("In 7 days")),
)


class RegenerateForm(Form):
    """Confirm a regeneration, choosing when the old key stops working (no longer than
    MAX_ROLL_GRACE_SECONDS; the choices not allowed are neither offered nor accepted)."""

    grace = SelectField(_l("The old key stops working"), default="0", validate_choice=False)

    def __init__(self, *args: Any, max_grace_seconds: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.grace.choices = [
            SelectChoice(str(seconds), label)
            for seconds, label in GRACE_CHOICES
            if seconds <= max_grace_seconds
        ]

    def validate_grace(self, field: SelectField) -> None:
        if field.data not in {choice.value for choice in field.choices or []}:
            raise ValidationError(_("Choose one of the times offered."))

    def grace_period(self) -> timedelta:
        return timedelta(seconds=int(self.grace.data))


class NoticesForm(Form):
    """Whether to be emailed about one's own routine actions (the rule is
    app/notifications/notices.py's)."""

    routine_notices = BooleanField(_l("Email me about my own routine actions"))


class PasskeyAnswerForm(Form):
    """A passkey's answer (app/static/js/passkeys.js fills it in)."""

    answer = HiddenField(validators=[DataRequired(), Length(max=passkeys.ANSWER_MAX)])


class NewPasskeyForm(PasskeyAnswerForm):
    name = StringField(
        _l("Name of the passkey"), validators=[DataRequired(), Length(max=passkeys.NAME_MAX)]
    )
