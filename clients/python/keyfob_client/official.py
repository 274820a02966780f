"""The official ``zulip.Client``, built from an rc file in either format (the ``zulip`` extra)."""

import os
from typing import Any

from keyfob_client.credentials import load_rc
from keyfob_client.rcfile import ConfigError

INSTALL_HINT = "pip install 'keyfob-client[zulip]'"


def zulip_client(path: str | os.PathLike[str] | None = None) -> Any:
    """A ``zulip.Client`` for scripts written against python-zulip-api, with the credentials
    :func:`load_rc` finds (so a TOML rc file works too, which zulip.Client cannot read)."""
    try:
        import zulip
    except ImportError:
        raise ConfigError(f"zulip_client needs the zulip package: {INSTALL_HINT}") from None
    config = load_rc(path)
    # zulip.Client reads ZULIP_CONFIG or ~/.zuliprc with configparser even when it is handed
    # every value, and a TOML file there can make it fail; the empty file keeps it away.
    return zulip.Client(
        email=config.email, api_key=config.key, site=config.site, config_file=os.devnull
    )
