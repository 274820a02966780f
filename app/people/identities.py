"""The rules for the identities people see: emails and display names. No web code here.

An email names an account, so no address may pass for another one: each part of it (the
local part, each label of the domain) uses one script, and no character in it may be one
that Unicode lists as confusable with an ASCII character or with a character of another
script (confusable-homoglyphs carries that list and the script data). Internationalised
addresses are allowed under those rules: Keyfob speaks Chinese, and ``用户@例子.中国`` is
a real address.

A display name (the full name of a person or a bot, a key's name) is only shown, never
matched, so it may mix scripts across its words (people's names do: "Sasha Петров"), but
each word uses one script, as each part of an email does: "Deploy B\u043et" (a Cyrillic
o) would pass for "Deploy Bot" otherwise. It is one line (it is quoted in emails, whose lines
must all be Keyfob's), holds no control or invisible format character, and shows something.
"""

import unicodedata

from confusable_homoglyphs import categories, confusables
from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.core import characters

EMAIL_MAX = 254

# Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt): code points a
# renderer shows as nothing. It holds more than the format category (Cf) does: the Hangul
# fillers (U+115F, U+1160, U+3164, U+FFA0, letters by category), the combining grapheme
# joiner, variation selectors. U+2800, the blank Braille pattern, is a symbol that renders
# as blank space, so it is added.
_SHOWS_NOTHING = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
# Controls, format characters, surrogates, and every kind of space.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"})
# Scripts written together as one, as UTS #39's augmented script sets count them: Japanese
# mixes Han and the two kanas, Korean Han and Hangul, Chinese Han and Bopomofo. Lookalikes
# between them (Katakana "エ" and Han "工") are still refused by the confusables check.
_WRITING_SYSTEMS = (
    frozenset({"HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"HAN", "HANGUL"}),
    frozenset({"HAN", "BOPOMOFO"}),
)
# In a name, emoji and punctuation (common), combining accents (inherited: a decomposed "é")
# and unassigned code points belong to no script of their own.
_NAME_SCRIPTLESS = frozenset({"COMMON", "INHERITED", "Unknown"})
# The list pairs right-to-left letters with ASCII ones only on the ASCII side, wrapped in
# direction marks (U+0627 ARABIC LETTER ALEF under "l", U+05E1 HEBREW LETTER SAMEKH under
# "o"), so read those pairs from there.
_ASCII_LOOKALIKES = frozenset(
    homoglyph["c"].strip("\u200e\u200f")
    for character in map(chr, range(128))
    for homoglyph in confusables.confusables_data.get(character, [])
)


class InvalidIdentity(ValueError):
    """An email or a name breaks a rule; ``message`` says which, in the reader's language."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self._message = message

    @property
    def message(self) -> str:
        # Translated only when read: a caller that just catches the error (a login lookup,
        # the command line) needs no request to pick a language from.
        return str(self._message)


def normalize_email(email: str) -> str:
    """The one stored form of ``email``, or InvalidIdentity.

    email-validator checks the syntax (no deliverability lookup) and normalises: the local
    part to NFC, the domain through IDNA to lower-case Unicode, so a punycode domain
    (``xn--…``) is checked, and stored, as the letters it stands for. The local part is
    lower-cased too: emails match whatever their case.
    """
    text = email.strip()
    if len(text) > EMAIL_MAX:  # longer than any valid address; spares the parser the work
        raise InvalidIdentity(_l("Enter a valid email."))
    # A plain space is plain to see: it gets the syntax error below.
    if any(character != " " and _is_invisible(character) for character in text):
        raise InvalidIdentity(_l("Remove the invisible characters from the email."))
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidIdentity(_l("Enter a valid email.")) from None
    local = unicodedata.normalize("NFC", valid.local_part.lower())
    for part in (local, *valid.domain.split(".")):
        _check_email_part(part)
    normalized = f"{local}@{valid.domain}"
    if len(normalized) > EMAIL_MAX:  # lower-casing can lengthen a few letters
        raise InvalidIdentity(_l("Enter a valid email."))
    return normalized


def clean_display_name(name: str) -> str:
    """``name`` without surrounding spaces, under the rules of every name Keyfob shows (a
    person's, a bot's, a key's); InvalidIdentity says which one it breaks. The one place
    these rules live: registration, `flask users create`, bots made or renamed (pages and
    API) and named keys (pages and API) all call it."""
    cleaned = name.strip()
    if characters.has_line_breaks(cleaned):
        raise InvalidIdentity(_l("Remove the line breaks: a name is one line."))
    if characters.has_control_characters(cleaned) or any(
        unicodedata.category(character) == "Cc"
        for character in cleaned  # a tab, too
    ):
        raise InvalidIdentity(_l("Remove the control characters."))
    if all(_is_invisible(character) or _is_mark(character) for character in cleaned):
        raise InvalidIdentity(_l("Enter a name with visible characters."))
    mixed = next((word for word in cleaned.split() if _mixes_scripts(word, _NAME_SCRIPTLESS)), None)
    if mixed is not None:
        raise InvalidIdentity(
            _l(
                "“%(word)s” mixes letters of different scripts (such as Latin and Cyrillic); "
                "use one script in each word of a name.",
                word=mixed,
            )
        )
    return cleaned


def _check_email_part(part: str) -> None:
    if part.isascii():  # ASCII is the reference every lookalike is measured against
        return
    if _mixes_scripts(part):
        raise InvalidIdentity(
            _l(
                "“%(part)s” mixes letters of different scripts (such as Latin and Cyrillic); "
                "use one script in each part of the email.",
                part=part,
            )
        )
    lookalike = _confusable_character(part)
    if lookalike is not None:
        raise InvalidIdentity(
            _l(
                "“%(character)s” (%(name)s) looks like another character, "
                "so an email cannot contain it.",
                character=lookalike,
                name=_describe(lookalike),
            )
        )


def _mixes_scripts(part: str, scriptless: frozenset[str] = frozenset({"COMMON"})) -> bool:
    """Whether ``part`` uses letters of more than one script (or writing system), the
    ``scriptless`` characters aside: digits, "-" and "_" go anywhere."""
    scripts = categories.unique_aliases(part) - scriptless
    return len(scripts) > 1 and not any(scripts <= system for system in _WRITING_SYSTEMS)


def _confusable_character(part: str) -> str | None:
    """The first non-ASCII character of ``part`` that imitates another, if any."""
    found = {
        entry["character"]: entry for entry in confusables.is_confusable(part, greedy=True) or []
    }
    for character in part:
        if character.isascii():
            continue
        if character in _ASCII_LOOKALIKES:
            return character
        entry = found.get(character)
        if entry and any(_imitates(entry["alias"], glyph["c"]) for glyph in entry["homoglyphs"]):
            return character
    return None


def _imitates(script: str, lookalike: str) -> bool:
    if lookalike.isascii():  # U+0430 CYRILLIC SMALL LETTER A, U+FF47 FULLWIDTH G, U+0251 ALPHA
        return True
    if script == "LATIN":
        # Accented Latin letters are measured against ASCII only: the list also pairs a
        # few of them with letters of other scripts (ö with Arabic ة), and refusing
        # jörg@… would refuse ordinary European addresses.
        return False
    # U+0440 CYRILLIC SMALL LETTER ER for a Latin "p", U+30ED KATAKANA RO for a Han "口".
    return bool(categories.unique_aliases(lookalike) - {"COMMON", "INHERITED", script})


def _is_invisible(character: str) -> bool:
    if unicodedata.category(character) in _INVISIBLE_CATEGORIES:
        return True
    code = ord(character)
    return any(first <= code <= last for first, last in _SHOWS_NOTHING)


def _is_mark(character: str) -> bool:
    # Combining marks alone have nothing to sit on: a name of only accents shows nothing.
    return unicodedata.category(character).startswith("M")


def _describe(character: str) -> str:
    code = f"U+{ord(character):04X}"
    name = unicodedata.name(character, "")
    return f"{code} {name}" if name else code
