"""Rotating the key an rc file holds, and writing the new one back in place, so that no
crash or retry can leave the file with a dead key.

Two things make it safe. The rotation asks for an overlap (10 minutes by default): the old
key keeps working for that long, so a file that still holds it still works. And it carries
an Idempotency-Key, written to a small private file beside the rc file before the server
is asked and removed only once the new key is in place: run again after a crash, the
rotation sends the same Idempotency-Key, gets the same new key back, and finishes the same
rotation instead of starting another.
"""

import configparser
import contextlib
import json
import os
import secrets
import stat
import tomllib
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from keyfob_client.api import ApiError, Client
from keyfob_client.credentials import RcConfig
from keyfob_client.rcfile import ConfigError

DEFAULT_GRACE_SECONDS = 600
# Set only by the test suite: the process dies right after the server's answer, before
# the file is written, which is the one moment a crash used to lose the key.
CRASH_HOOK = "KEYFOB_TEST_CRASH_AFTER_ANSWER"


@dataclass(frozen=True)
class Rotation:
    key: str
    old_key_expires_at: str | None  # None: the old key died at once
    resumed: bool  # True: this finished a rotation an earlier run began


def rotate(
    config: RcConfig, client: Client, grace_seconds: int = DEFAULT_GRACE_SECONDS
) -> Rotation:
    """Regenerate the key the rc file holds, the old one working for ``grace_seconds``
    more, and rewrite the file in place, atomically, keeping its mode.

    A temporary file is opened before the key is changed, so a full or read-only folder
    fails while the old key still works.
    """
    if config.path is None:
        raise ConfigError("rotate needs an rc file: the credentials came from the environment")
    target = config.path.resolve()
    pending, resumed = _pending_rotation(target, grace_seconds)
    mode = stat.S_IMODE(target.stat().st_mode)
    original = target.read_text(encoding="utf-8")
    # A name of its own beside the file, so a later run removes what a crashed one left.
    temporary = target.with_name(f".{target.name}.new")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    answer = None
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), mode)
            answer = _ask(client, pending, target)
            if os.environ.get(CRASH_HOOK) == "1":
                os._exit(70)
            handle.write(_with_new_key(original, answer.key))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        _pending_path(target).unlink()
        _sync_folder(target.parent)
    except BaseException as error:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if answer is None or not isinstance(error, OSError):
            raise
        raise ConfigError(_not_saved(target, error, answer.old_key_expires_at)) from None
    return Rotation(answer.key, answer.old_key_expires_at, resumed)


def _not_saved(target: Path, error: OSError, old_key_expires_at: str | None) -> str:
    if old_key_expires_at is None:
        return (
            f"{target}: the server issued a new key but it could not be saved ({error}); "
            "the old key no longer works: generate a new one in the web settings"
        )
    return (
        f"{target}: the server issued a new key but it could not be saved ({error}); the "
        f"file's key works until {old_key_expires_at}: fix this and run rotate again to finish"
    )


@dataclass(frozen=True)
class _Pending:
    idempotency_key: str
    grace_seconds: int


def _pending_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.rotation")


def _pending_rotation(target: Path, grace_seconds: int) -> tuple[_Pending, bool]:
    """The rotation an earlier run began and did not finish, or a new one, recorded (mode
    0600, synced) before the server is asked."""
    path = _pending_path(target)
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        return _Pending(str(recorded["idempotency_key"]), int(recorded["grace_seconds"])), True
    except FileNotFoundError:
        pass
    except (ValueError, KeyError, TypeError):
        raise ConfigError(
            f"{path}: not a rotation record; delete it and run rotate again"
        ) from None
    pending = _Pending(secrets.token_urlsafe(32), grace_seconds)
    record = {"idempotency_key": pending.idempotency_key, "grace_seconds": grace_seconds}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _sync_folder(target.parent)
    except BaseException:  # a half-written record would only stand in the next run's way
        path.unlink(missing_ok=True)
        raise
    return pending, False


@dataclass(frozen=True)
class _Answer:
    key: str
    old_key_expires_at: str | None


def _ask(client: Client, pending: _Pending, target: Path) -> _Answer:
    try:
        body = client.regenerate_api_key_call(
            grace_seconds=pending.grace_seconds, idempotency_key=pending.idempotency_key
        )
    except ApiError as error:
        if error.code in ("ROTATION_SUPERSEDED", "IDEMPOTENCY_KEY_REUSED", "PRIMARY_KEY_REQUIRED"):
            # The rotation cannot be made or finished: nothing to resume next time.
            _pending_path(target).unlink(missing_ok=True)
        if error.code == "PRIMARY_KEY_REQUIRED":
            raise ConfigError(
                f"{target} holds a named key, which cannot rotate itself: create a new named "
                "key in the settings, put it in this file, and revoke the old one"
            ) from None
        raise
    expires = body.get("old_key_expires_at")
    return _Answer(str(body["api_key"]), None if expires is None else str(expires))


def _sync_folder(folder: Path) -> None:
    """Make a rename or a new file itself durable, not only the file's contents."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _with_new_key(original: str, key: str) -> str:
    """The rc file's text with only the key changed, in the file's own format."""
    try:
        document = tomllib.loads(original)
    except tomllib.TOMLDecodeError:
        # Without interpolation, every other value is written back exactly as it was read.
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
