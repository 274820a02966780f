"""Text hygiene shared by every input: forms, API arguments, audit fields, identities."""

import re

# Control characters have no place in any text people type here (PostgreSQL refuses NUL
# outright), nor do the invisible format characters that make a name look blank or read
# backwards: zero-width spaces, bidirectional overrides and isolates, the byte-order mark.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# A lone surrogate: a Python string can hold one (JSON's "\ud800" decodes to it), UTF-8
# cannot, so the database driver, the password hasher and any hashing of the text fail on it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_unicode_text(value: str) -> bool:
    """True when the text can be encoded as UTF-8 (it holds no lone surrogate)."""
    return _SURROGATE.search(value) is None


def has_control_characters(value: str) -> bool:
    return _UNWANTED.search(value) is not None


def without_control_characters(value: str) -> str:
    return _UNWANTED.sub("", value)


# Every character that ends a line somewhere: what str.splitlines() breaks on (LF, CR, VT,
# FF, the information separators, NEL) and Unicode's line and paragraph separators. A mail
# reader, a terminal or a browser's text layout starts a new line at one of them.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_breaks(value: str) -> bool:
    return any(character in LINE_BREAKS for character in value)
