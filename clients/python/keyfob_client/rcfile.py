"""The text of an rc file in its two formats: reading either, writing either.

TOML is Keyfob's own form (this client, tomllib, zulip-js). The classic INI form is what
the zulip Python package (python-zulip-api, zulip_bots, zulip-terminal) reads, through
``configparser.ConfigParser()`` with its default interpolation; a TOML file given to it
keeps its quotes inside every value. The server's zuliprc download is written here too,
so a file means the same wherever it was made.
"""

import configparser
import os
import tomllib
from enum import StrEnum
from pathlib import Path

import tomli_w

FIELDS = ("email", "key", "site")


class ConfigError(Exception):
    """The credentials could not be found or are not usable; the message says why."""


class Format(StrEnum):
    TOML = "toml"
    INI = "ini"


class UnwritableValue(ValueError):
    """A value the INI form cannot hold so that it reads back exactly. Names the field,
    never the value: the value may be the key."""

    def __init__(self, field: str) -> None:
        super().__init__(f"the zuliprc's {field} holds a line break or surrounding whitespace")
        self.field = field


def parse(path: Path) -> dict[str, str]:
    """The [api] string values of a TOML or INI rc file (TOML tried first)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        api = tomllib.loads(text).get("api")
    except tomllib.TOMLDecodeError:
        api = _parse_ini(path, text)
    if not isinstance(api, dict):
        raise ConfigError(f"{path}: no [api] table")
    return {field: api[field] for field in FIELDS if isinstance(api.get(field), str)}


def _parse_ini(path: Path, text: str) -> dict[str, str] | None:
    # With ConfigParser's default interpolation, as the zulip package reads it: one file means
    # the same to both (the INI writer below writes a '%' as '%%').
    parser = configparser.ConfigParser()
    try:
        parser.read_string(text, str(path))
    except configparser.Error:
        raise ConfigError(f"{path}: neither TOML nor INI") from None
    if not parser.has_section("api"):
        return None
    try:
        return dict(parser["api"])
    except configparser.InterpolationError:
        raise ConfigError(f"{path}: a '%' must be written '%%'") from None


def render(file_format: Format, email: str, key: str, site: str) -> str:
    """The rc file's text in ``file_format``; raises UnwritableValue for INI that would not
    read back exactly."""
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


def write_new_private_file(path: Path, text: str) -> None:
    """Create ``path`` for its owner's eyes only (mode 0600). An existing file is never
    replaced: it may hold the only copy of a working key."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigError(f"{path} already exists; remove it or choose another name") from None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
    except BaseException as error:
        path.unlink(missing_ok=True)  # half a file would pass for a whole one
        if isinstance(error, OSError):
            raise ConfigError(f"{path}: {error.strerror}; nothing was written") from None
        raise
