"""rc files as a script's user writes them: the zuliprc formats the client reads."""

import configparser
from pathlib import Path


def write_rc(path: Path, text: str, mode: int = 0o600) -> Path:
    """Write an rc file with ``mode`` (private by default), making its directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def toml_rc(email: str, key: str, site: str) -> str:
    """A zuliprc in TOML, as the download gives it."""
    return f'[api]\nemail = "{email}"\nkey = "{key}"\nsite = "{site}"\n'


def ini_rc(email: str, key: str, site: str) -> str:
    """A zuliprc in the classic INI form Zulip's own client writes."""
    return f"[api]\nemail={email}\nkey={key}\nsite={site}\n"


def ini_values(text: str) -> dict[str, str]:
    """The [api] values as the zulip Python package reads them: ConfigParser() with its
    default interpolation, so a ``%`` not written as ``%%`` fails here as it would there."""
    parser = configparser.ConfigParser()
    parser.read_string(text)
    assert parser.sections() == ["api"]
    return {name: parser.get("api", name) for name in parser.options("api")}
