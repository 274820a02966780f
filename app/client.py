"""Load a zuliprc and call the Keyfob API from a script. No Flask, no SQLAlchemy.

from app.client import Client, load_rc
with Client(load_rc()) as client:
    print(client.get_profile()["full_name"])

python -m app.client whoami [--config PATH]
python -m app.client rotate [--config PATH]
"""

import argparse
import configparser
import contextlib
import os
import stat
import sys
import tempfile
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import tomli_w

from app import keyformat

FIELDS = ("email", "key", "site")
ENVIRONMENT = {"email": "ZULIP_EMAIL", "key": "ZULIP_API_KEY", "site": "ZULIP_SITE"}


class ConfigError(Exception):
    """The credentials could not be found or are not usable; the message says why."""


class ApiError(Exception):
    """The server refused a call; ``code`` is stable across languages, ``msg`` is for people."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.status, self.code, self.msg = status, code, msg


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
    rc_path = Path(explicit or "~/.zuliprc").expanduser()
    source = None
    if not all(values.values()):
        if not rc_path.is_file():
            if explicit:
                raise ConfigError(f"{rc_path}: no such file")
            missing = ", ".join(ENVIRONMENT[f] for f in FIELDS if not values[f])
            raise ConfigError(f"no credentials: set {missing}, or create {rc_path}")
        from_file = read_rc(rc_path)
        values = {field: values[field] or from_file.get(field) for field in FIELDS}
        source = rc_path
    return _checked(values, source)


def read_rc(path: Path) -> dict[str, str]:
    """The [api] values of a TOML or INI rc file, warning when others may read it."""
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        warnings.warn(f"{path} is readable by other users; run: chmod 600 {path}", stacklevel=3)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        api = tomllib.loads(text).get("api")
    except tomllib.TOMLDecodeError:
        api = _read_ini(path, text)
    if not isinstance(api, dict):
        raise ConfigError(f"{path}: no [api] table")
    return {field: api[field] for field in FIELDS if isinstance(api.get(field), str)}


def _read_ini(path: Path, text: str) -> dict[str, str] | None:
    # With ConfigParser's default interpolation, as the zulip package reads it: one file means
    # the same to both (the download writes a '%' as '%%').
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


def _checked(values: dict[str, str | None], source: Path | None) -> RcConfig:
    where = f"{source}: " if source else ""
    for field in FIELDS:
        value = (values[field] or "").strip()
        if not value:
            raise ConfigError(f"{where}'{field}' is missing or empty")
        values[field] = value
    email, key, site = (str(values[f]) for f in FIELDS)
    if not keyformat.is_well_formed(key):
        raise ConfigError(f"{where}the key is malformed (wrong length or checksum); copy it again")
    if not site.startswith(("https://", "http://")):
        raise ConfigError(f"{where}the site must start with https:// or http://")
    return RcConfig(email, key, site.rstrip("/"), source)


class Client:
    """A small API client on httpx; every refused call raises ApiError."""

    def __init__(self, config: RcConfig, *, timeout: float = 10.0, **httpx_options: Any) -> None:
        self.config = config
        self._http = httpx.Client(
            base_url=config.site + "/api/v1",
            auth=(config.email, config.key),
            timeout=timeout,
            **httpx_options,
        )

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_profile(self) -> dict[str, Any]:
        return self._call("GET", "/users/me")

    def regenerate_api_key(self) -> str:
        """A new key for these credentials; the client switches to it at once."""
        key = str(self._call("POST", "/users/me/api_key/regenerate")["api_key"])
        self._http.auth = (self.config.email, key)
        return key

    def list_bots(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/bots")["bots"])

    def create_bot(self, full_name: str, short_name: str) -> dict[str, Any]:
        return self._call("POST", "/bots", {"full_name": full_name, "short_name": short_name})

    def regenerate_bot_key(self, bot_id: int) -> str:
        return str(self._call("POST", f"/bots/{bot_id}/api_key/regenerate")["api_key"])

    def _call(self, method: str, path: str, data: dict[str, str] | None = None) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, data=data)
        except httpx.HTTPError as error:
            raise ApiError(0, "CONNECTION_ERROR", f"{self.config.site}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(response.status_code, "BAD_RESPONSE", "the server did not answer JSON")
        if response.is_error or body.get("result") != "success":
            code, msg = str(body.get("code", "BAD_REQUEST")), str(body.get("msg", ""))
            raise ApiError(response.status_code, code, msg)
        return body


def rotate(config: RcConfig, client: Client) -> str:
    """Regenerate the key the rc file holds and rewrite the file in place, atomically.

    The new file is written beside the old one and renamed over it, keeping its mode, so
    the file is always whole: the old one or the new one. A temporary file is opened
    before the key is changed, so a full or read-only folder fails while the old key
    still works.
    """
    if config.path is None:
        raise ConfigError("rotate needs an rc file: the credentials came from the environment")
    target = config.path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    original = target.read_text(encoding="utf-8")
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".zuliprc-")
    key = None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            key = client.regenerate_api_key()
            handle.write(_with_new_key(original, key))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        _sync_folder(target.parent)
    except OSError as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if key is None:
            raise
        raise ConfigError(
            f"{target}: the server issued a new key but it could not be saved ({error}); "
            "the old key no longer works: generate a new one in the web settings"
        ) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return key


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable, not only the file's contents."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def load_rc_file(path: str | os.PathLike[str]) -> RcConfig:
    """The credentials in one rc file alone: no arguments or environment mixed in."""
    rc_path = Path(path).expanduser()
    if not rc_path.is_file():
        raise ConfigError(f"{rc_path}: no such file")
    from_file = read_rc(rc_path)
    return _checked({field: from_file.get(field) for field in FIELDS}, rc_path)


def _with_new_key(original: str, key: str) -> str:
    """The rc file's text with only the key changed, in the file's own format."""
    try:
        document = tomllib.loads(original)
    except tomllib.TOMLDecodeError:
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(original)
        parser["api"]["key"] = key
        lines: list[str] = []
        for section in parser.sections():
            lines.append(f"[{section}]")
            lines.extend(f"{name} = {value}" for name, value in parser[section].items())
            lines.append("")
        return "\n".join(lines)
    document["api"]["key"] = key
    return tomli_w.dumps(document)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app.client", description=__doc__.split("\n")[0]
    )
    parser.add_argument("command", choices=["whoami", "rotate"])
    parser.add_argument("--config", help="rc file (default: $ZULIP_CONFIG or ~/.zuliprc)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.command == "rotate":  # rewrite the file's own key, never another's
            config = load_rc_file(
                arguments.config or os.environ.get("ZULIP_CONFIG") or "~/.zuliprc"
            )
        else:
            config = load_rc(arguments.config)
        with Client(config) as client:
            if arguments.command == "whoami":
                print(_describe(client.get_profile()))
            else:
                key = rotate(config, client)
                print(f"Rotated the key in {config.path}: it now ends in …{key[-4:]}.")
    except (ConfigError, ApiError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _describe(profile: dict[str, Any]) -> str:
    kind = "bot" if profile.get("is_bot") else "user"
    owner = f", owned by user {profile['bot_owner_id']}" if profile.get("bot_owner_id") else ""
    return f"{profile['full_name']} <{profile['email']}> ({kind} {profile['user_id']}{owner})"


if __name__ == "__main__":
    sys.exit(main())
