"""Keyfob's script client: load a zuliprc, call the API, rotate the key. No Flask, no database.

    from keyfob_client import Client, load_rc

    with Client(load_rc()) as client:
        print(client.get_profile()["full_name"])

On the command line: ``keyfob whoami``, ``keyfob rotate``, ``keyfob convert``.
"""

from keyfob_client.api import ApiError, Client
from keyfob_client.credentials import RcConfig, load_rc, load_rc_file
from keyfob_client.official import zulip_client
from keyfob_client.rcfile import ConfigError
from keyfob_client.rotate import rotate

__all__ = [
    "ApiError",
    "Client",
    "ConfigError",
    "RcConfig",
    "load_rc",
    "load_rc_file",
    "rotate",
    "zulip_client",
]
