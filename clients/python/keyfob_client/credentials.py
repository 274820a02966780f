"""Finding a script's credentials the way python-zulip-api finds them, and checking them."""

import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

from keyfob_client import keyformat, siteurl
from keyfob_client.rcfile import FIELDS, ConfigError, parse

ENVIRONMENT = {"email": "ZULIP_EMAIL", "key": "ZULIP_API_KEY", "site": "ZULIP_SITE"}
DEFAULT_RC = "~/.zuliprc"


@dataclass(frozen=True)
class RcConfig:
    email: str
    key: str
    site: str
    path: Path | None = None  # the file the values came from, if any

    def __repr__(self) -> str:  # never print the key, even in a traceback
        return f"RcConfig(email={self.email!r}, key='…{self.key[-4:]}', site={self.site!r})"


def load_rc(
    path: str | os.PathLike[str] | None = None,
    *,
    email: str | None = None,
    key: str | None = None,
    site: str | None = None,
) -> RcConfig:
    """Credentials the way python-zulip-api finds them.

    Each value comes from the first of: the argument, its ZULIP_* variable, the file at
    ``path`` or ZULIP_CONFIG, and ~/.zuliprc. The file may be TOML (Keyfob's download) or
    a classic INI zuliprc.
    """
    values = {"email": email, "key": key, "site": site}
    for field, variable in ENVIRONMENT.items():
        values[field] = values[field] or os.environ.get(variable)
    explicit = path or os.environ.get("ZULIP_CONFIG")
    rc_path = Path(explicit or DEFAULT_RC).expanduser()
    if all(values.values()):
        return _checked(values, None)
    if not rc_path.is_file():
        if explicit:
            raise ConfigError(f"{rc_path}: no such file")
        missing = ", ".join(ENVIRONMENT[f] for f in FIELDS if not values[f])
        raise ConfigError(f"no credentials: set {missing}, or create {rc_path}")
    from_file = _read(rc_path)
    return _checked({f: values[f] or from_file.get(f) for f in FIELDS}, rc_path)


def load_rc_file(path: str | os.PathLike[str]) -> RcConfig:
    """The credentials in one rc file alone: no arguments or environment mixed in."""
    rc_path = Path(path).expanduser()
    if not rc_path.is_file():
        raise ConfigError(f"{rc_path}: no such file")
    from_file = _read(rc_path)
    return _checked({field: from_file.get(field) for field in FIELDS}, rc_path)


def default_rc_path() -> str:
    """The rc file a command uses when none is named: ZULIP_CONFIG, else ~/.zuliprc."""
    return os.environ.get("ZULIP_CONFIG") or DEFAULT_RC


def _read(path: Path) -> dict[str, str]:
    _warn_if_others_can_open(path)
    return parse(path)


def _warn_if_others_can_open(path: Path) -> None:
    # One plain line on stderr: warnings.warn would add a line of this file's source, which
    # tells the person who must run chmod nothing.
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        print(
            f"keyfob: warning: {path} can be read or changed by other users; run: chmod 600 {path}",
            file=sys.stderr,
        )


def _checked(values: dict[str, str | None], source: Path | None) -> RcConfig:
    where = f"{source}: " if source else ""
    for field in FIELDS:
        value = (values[field] or "").strip()
        if not value:
            raise ConfigError(f"{where}'{field}' is missing or empty")
        values[field] = value
    email, key, given_site = (str(values[f]) for f in FIELDS)
    if not keyformat.is_well_formed(key):
        raise ConfigError(f"{where}the key is malformed (wrong length or checksum); copy it again")
    try:
        return RcConfig(email, key, siteurl.normalize(given_site), source)
    except siteurl.SiteError as error:
        raise ConfigError(f"{where}{error}") from None
