"""The zuliprc documents: their two formats, and handing one out (decrypted, audited).

TOML is Keyfob's own form (its client, tomllib, zulip-js). The classic INI form is what the
zulip Python package (python-zulip-api, zulip_bots, zulip-terminal) reads, through
``configparser.ConfigParser()`` with its default interpolation; a TOML file given to it keeps
its quotes inside every value and fails as a network error.
"""

from enum import StrEnum

import tomli_w
from sqlalchemy.orm import Session

from app import audit, keys, named_keys
from app.keystore import keystore


class Format(StrEnum):
    TOML = "toml"
    INI = "ini"


class UnwritableValue(ValueError):
    """A value the INI form cannot hold so that it reads back exactly. Names the field,
    never the value: the value may be the key."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the zuliprc's {field} holds a line break or surrounding whitespace")
        self.field = field


def render(file_format: Format, email: str, key: str, site: str) -> str:
    values = {"email": email, "key": key, "site": site}
    if file_format is Format.INI:
        return _ini(values)
    return tomli_w.dumps({"api": values})


def _ini(values: dict[str, str]) -> str:
    """Three lines under [api], written by hand rather than with configparser, so that the
    escaping is ours to check: ``%`` doubled for BasicInterpolation, and anything configparser
    would split or strip refused instead of silently changed."""
    lines = ["[api]"]
    for field, value in values.items():
        # splitlines() breaks on every line ending universal newlines reads (\r too), and more;
        # configparser strips what surrounds a value.
        if "".join(value.splitlines()) != value or value != value.strip():
            raise UnwritableValue(field)
        lines.append(f"{field}={value.replace('%', '%%')}")
    return "\n".join(lines) + "\n"


def issue(
    session: Session,
    subject_id: int,
    email: str,
    site: str,
    file_format: Format,
    *,
    actor_id: int,
    named_key_id: int | None = None,
) -> str | None:
    """The subject's rc file for ``actor_id`` (with its primary key, or the named key
    ``named_key_id`` while it works), audited as ``rc_downloaded`` with its format; None if
    there is no such key. The document is written before anything is recorded, so a refused
    value (UnwritableValue) leaves no download in the log."""
    detail = {"format": file_format.value}
    if named_key_id is None:
        key = keys.reveal(session, subject_id)
    else:
        record = named_keys.working(session, subject_id, named_key_id)
        key = None if record is None else keystore().decrypt(record.ciphertext)
        if record is not None:
            detail |= {"key_name": record.name or "", "key_hint": record.hint}
    if key is None:
        return None
    document = render(file_format, email, key, site)
    audit.record(
        session, "rc_downloaded", actor_id=actor_id, subject_user_id=subject_id, detail=detail
    )
    session.commit()
    return document
