"""The ``keyfob`` command: whoami, token, rotate, convert. Every failure is one line and exit 1."""

import argparse
import sys
from pathlib import Path
from typing import Any

from keyfob_client.api import ApiError, Client
from keyfob_client.credentials import default_rc_path, load_rc, load_rc_file
from keyfob_client.rcfile import (
    ConfigError,
    Format,
    UnwritableValue,
    render,
    write_new_private_file,
)
from keyfob_client.rotate import DEFAULT_GRACE_SECONDS, rotate

CONFIG_HELP = "rc file, TOML or INI (default: $ZULIP_CONFIG or ~/.zuliprc)"


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        arguments.run(arguments)
    except (ConfigError, ApiError, UnwritableValue, OSError) as error:
        print(f"keyfob: error: {error}", file=sys.stderr)
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="keyfob", description="Keyfob's script client.")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    whoami = commands.add_parser("whoami", help="who the key belongs to")
    whoami.add_argument("--config", help=CONFIG_HELP)
    whoami.set_defaults(run=_whoami)
    token = commands.add_parser(
        "token",
        help="a short-lived token of the key, on standard output",
        description="Exchange the rc file's key for a token that dies on its own (and with "
        "the key). Only the token is printed, so that TOKEN=$(keyfob token) works.",
    )
    token.add_argument("--config", help=CONFIG_HELP)
    token.add_argument(
        "--ttl",
        type=_seconds,
        metavar="DURATION",
        help="how long it lives: 600, 15m or 1h (default: the server's, 15 minutes)",
    )
    token.add_argument(
        "--scope",
        action="append",
        metavar="SCOPE",
        help="a scope it holds, e.g. messages:write; repeat for more (default: all the "
        "key's that a token may have)",
    )
    token.set_defaults(run=_token)
    rotated = commands.add_parser("rotate", help="a new key, written back into the rc file")
    rotated.add_argument("--config", help=CONFIG_HELP)
    rotated.add_argument(
        "--grace",
        type=_seconds,
        default=DEFAULT_GRACE_SECONDS,
        metavar="DURATION",
        help="how long the old key keeps working: 600, 10m, 1h, 7d or 0 (default: 10m)",
    )
    rotated.set_defaults(run=_rotate)
    convert = commands.add_parser(
        "convert",
        help="an rc file in the other format",
        description="Write an rc file's email, key and site in TOML or INI (other values are "
        "not carried over). Without -o the file goes to standard output.",
    )
    convert.add_argument("source", help="the rc file to read, TOML or INI")
    convert.add_argument("--to", required=True, choices=[f.value for f in Format])
    convert.add_argument(
        "-o", "--output", help="a new file to create, mode 0600; an existing file is refused"
    )
    convert.set_defaults(run=_convert)
    return parser


def _whoami(arguments: argparse.Namespace) -> None:
    with Client(load_rc(arguments.config)) as client:
        print(_describe(client.get_profile()))


def _token(arguments: argparse.Namespace) -> None:
    scopes = [part.strip() for given in arguments.scope or () for part in given.split(",")]
    with Client(load_rc(arguments.config)) as client:
        minted = client.mint_token(ttl_seconds=arguments.ttl, scopes=[s for s in scopes if s])
    print(minted["token"])


def _rotate(arguments: argparse.Namespace) -> None:
    # The file's own key, never one a ZULIP_* variable would slip in.
    config = load_rc_file(arguments.config or default_rc_path())
    with Client(config) as client:
        done = rotate(config, client, arguments.grace)
    finished = "Finished the interrupted rotation of" if done.resumed else "Rotated"
    old = f"works until {done.old_key_expires_at}" if done.old_key_expires_at else "no longer works"
    print(
        f"{finished} the key in {config.path}: it now ends in …{done.key[-4:]}; the old key {old}."
    )


def _seconds(text: str) -> int:
    """A duration: whole seconds, or a number followed by s, m, h or d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (text[:-1], units[text[-1]]) if text[-1:] in units else (text, 1)
    if not number.isdigit():
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (try 600, 10m, 1h or 7d)")
    return int(number) * unit


def _convert(arguments: argparse.Namespace) -> None:
    config = load_rc_file(arguments.source)
    text = render(Format(arguments.to), config.email, config.key, config.site)
    if arguments.output is None:
        sys.stdout.write(text)
        return
    write_new_private_file(Path(arguments.output), text)
    print(f"Wrote {arguments.output} ({arguments.to.upper()}, mode 0600).")


def _describe(profile: dict[str, Any]) -> str:
    kind = "bot" if profile.get("is_bot") else "user"
    owner = f", owned by user {profile['bot_owner_id']}" if profile.get("bot_owner_id") else ""
    return f"{profile['full_name']} <{profile['email']}> ({kind} {profile['user_id']}{owner})"
