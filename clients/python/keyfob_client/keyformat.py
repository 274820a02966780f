"""The text of an API key, and nothing else: the server (app/keys.py) checks keys with it too.

A key is a type prefix (``kfu_`` for a human, ``kfb_`` for a bot, ``kft_`` for a
short-lived token minted from either), 30 random base62
characters and a 6-character base62 CRC32 of everything before it. The checksum lets
both sides reject a mistyped or truncated key without a database round trip (the
design GitHub uses for its tokens). Standard library only.
"""

import re
import secrets
import string
import zlib

ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
USER_PREFIX = "kfu_"
BOT_PREFIX = "kfb_"
TOKEN_PREFIX = "kft_"  # noqa: S105 (a prefix, not a secret)
PREFIXES = (USER_PREFIX, BOT_PREFIX, TOKEN_PREFIX)
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
KEY_LENGTH = len(USER_PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH

_SHAPE = re.compile(r"kf[ubt]_[0-9A-Za-z]{36}")


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))


def checksum(body: str) -> str:
    """The base62 CRC32 of ``body``, zero-padded to six characters."""
    return _base62(zlib.crc32(body.encode("ascii")), CHECKSUM_LENGTH)


def generate(prefix: str) -> str:
    """A fresh key with the given type prefix."""
    if prefix not in PREFIXES:
        raise ValueError("unknown key prefix")
    body = prefix + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + checksum(body)


def is_well_formed(candidate: str) -> bool:
    """True when ``candidate`` has a known prefix, length, alphabet and a matching checksum."""
    if not _SHAPE.fullmatch(candidate):
        return False
    body, check = candidate[:-CHECKSUM_LENGTH], candidate[-CHECKSUM_LENGTH:]
    return secrets.compare_digest(checksum(body), check)


def is_token(candidate: str) -> bool:
    """Whether ``candidate`` carries a token's prefix (its form is is_well_formed's to check)."""
    return candidate.startswith(TOKEN_PREFIX)
