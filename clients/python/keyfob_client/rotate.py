"""Rotating the key an rc file holds, and writing the new one back in place."""

import configparser
import contextlib
import os
import stat
import tempfile
import tomllib
from pathlib import Path

import tomli_w

from keyfob_client.api import Client
from keyfob_client.credentials import RcConfig
from keyfob_client.rcfile import ConfigError


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
