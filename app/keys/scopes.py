"""Scopes: what a key may do, named ``resource:action`` (as GitHub, GitLab and Cloudflare name
theirs). One place for the vocabulary and its rules, which the API, the pages and the
gateway all ask.

Keyfob's own scopes cover its own API. Three of them (managing keys, managing bots and
administering the organization) are the primary key's alone: a named key that could mint
keys or bots could make successors that outlive its own revocation, so revoking it would no
longer contain its leak. The others may be given to a named key, together with the chat
platform's scopes, which the deployment lists in PLATFORM_SCOPES (Zulip's, by default) and
which a gateway in front of the platform enforces.

A key's scopes are stored as one space-separated text: NULL for a primary key (and for named
keys made before scopes existed), meaning every scope its holder's key may have. Scopes
narrow a role, they never raise it: the routes still check who the holder is.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.core.i18n import gettext as _
from app.core.refusals import FieldRefused

NAME = re.compile(r"[a-z][a-z0-9_]{0,30}:[a-z][a-z0-9_]{0,30}")
MOST_PER_KEY = 50


@dataclass(frozen=True)
class Scope:
    name: str
    label: LazyString | str  # the platform's own names, when unknown here, show as written

    @property
    def primary_only(self) -> bool:
        return self.name in PRIMARY_ONLY

    @property
    def resource(self) -> str:
        return self.name.partition(":")[0]


PROFILE_READ, USERS_READ, BOTS_READ, KEYS_READ = (
    "profile:read",
    "users:read",
    "bots:read",
    "keys:read",
)
KEYS_WRITE, BOTS_WRITE, ORGANIZATION_ADMIN = "keys:write", "bots:write", "organization:admin"
TOKENS_WRITE = "tokens:write"  # exchange the key for short-lived tokens (app/keys/tokens.py)
PRIMARY_ONLY = frozenset((KEYS_WRITE, BOTS_WRITE, ORGANIZATION_ADMIN))
# The platform's scope for sending messages: all an incoming webhook bot's key may do there.
POSTING = "messages:write"

KEYFOB = (
    Scope(PROFILE_READ, _l("See the key's own profile (users/me)")),
    Scope(USERS_READ, _l("See the organization's people and bots")),
    Scope(BOTS_READ, _l("See your bots")),
    Scope(KEYS_READ, _l("See your keys and your bots' keys (never their text)")),
    Scope(KEYS_WRITE, _l("Create, regenerate and revoke keys")),
    Scope(TOKENS_WRITE, _l("Exchange this key for short-lived tokens")),
    Scope(BOTS_WRITE, _l("Create, change, deactivate and reactivate bots")),
    Scope(ORGANIZATION_ADMIN, _l("Deactivate and reactivate people")),
)

# Zulip's REST API, as a gateway in front of it sees it (PLATFORM_SCOPES' default).
ZULIP_LABELS: dict[str, LazyString] = {
    "messages:read": _l("Read messages"),
    "messages:write": _l("Send, edit and delete messages"),
    "streams:read": _l("See channels and subscriptions"),
    "streams:write": _l("Create, join, leave and change channels"),
    "events:read": _l("Receive events (register an event queue)"),
    "reactions:write": _l("Add and remove emoji reactions"),
    "uploads:write": _l("Upload files"),
}


# What each resource is called where scopes are chosen; the platform's own, when unknown
# here, show as written.
RESOURCE_LABELS: dict[str, LazyString] = {
    "profile": _l("Profile"),
    "users": _l("People"),
    "bots": _l("Bots"),
    "keys": _l("Keys"),
    "tokens": _l("Tokens"),
    "messages": _l("Messages"),
    "streams": _l("Channels"),
    "events": _l("Events"),
    "reactions": _l("Reactions"),
    "uploads": _l("Uploads"),
}
PRESETS = ("read_only", "full")


class InvalidScopes(FieldRefused):
    """Scopes asked for a key cannot be given; ``field`` is ``scopes``."""


def init_app(app: Flask) -> None:
    """Check PLATFORM_SCOPES at start: a bad name stops the app with a clear message."""
    app.config["PLATFORM_SCOPES"] = check_platform_names(app.config["PLATFORM_SCOPES"])


def check_platform_names(names: Any) -> list[str]:
    """PLATFORM_SCOPES as configured: a list of ``resource:action`` names."""
    if not isinstance(names, list):
        raise RuntimeError("PLATFORM_SCOPES must be a list of scope names")
    checked = []
    for name in names:
        if not isinstance(name, str) or not NAME.fullmatch(name):
            raise RuntimeError(
                f"PLATFORM_SCOPES: {name!r} is not a scope name like messages:write"
                " (lower-case letters, digits and _, one colon)"
            )
        checked.append(name)
    return checked


def vocabulary(config: Mapping[str, Any]) -> dict[str, Scope]:
    """Every scope this deployment knows: Keyfob's, then the platform's, by name."""
    known = {scope.name: scope for scope in KEYFOB}
    for name in config["PLATFORM_SCOPES"]:
        known.setdefault(name, Scope(name, ZULIP_LABELS.get(name, name)))
    return known


def grantable(config: Mapping[str, Any]) -> dict[str, Scope]:
    """The scopes a named key may be given."""
    return {name: scope for name, scope in vocabulary(config).items() if not scope.primary_only}


def groups(config: Mapping[str, Any]) -> list[tuple[LazyString | str, list[Scope]]]:
    """The scopes a named key may be given, grouped by resource, in the vocabulary's order."""
    grouped: dict[str, list[Scope]] = {}
    for scope in grantable(config).values():
        grouped.setdefault(scope.resource, []).append(scope)
    return [(RESOURCE_LABELS.get(name, name), members) for name, members in grouped.items()]


def preset(name: str, config: Mapping[str, Any]) -> list[str]:
    """A preset's scopes: ``read_only`` (every grantable ``…:read``) or ``full``."""
    chosen = grantable(config)
    if name == "read_only":
        return [scope for scope in chosen if scope.endswith(":read")]
    return list(chosen)


def parse(raw: str | list[Any]) -> list[str]:
    """Scope names from an API argument: a JSON list, or one comma-separated string (as
    Zulip's list arguments are); surrounding spaces and empty entries are dropped."""
    parts = raw if isinstance(raw, list) else raw.split(",")
    return [part.strip() if isinstance(part, str) else part for part in parts if part != ""]


def check_requested(requested: Iterable[Any], config: Mapping[str, Any]) -> frozenset[str]:
    """The scopes a new named key may have, from what was asked; InvalidScopes naming the
    first name that is unknown or the primary key's alone, or when none is left."""
    known, chosen = vocabulary(config), set()
    for name in requested:
        if not isinstance(name, str) or name not in known:
            shown = name if isinstance(name, str) else repr(name)
            raise InvalidScopes("scopes", _("Unknown scope: %(name)s", name=shown[:80]))
        if known[name].primary_only:
            raise InvalidScopes(
                "scopes",
                _("%(name)s is the primary key's alone; a named key cannot have it", name=name),
            )
        chosen.add(name)
    if not chosen:
        raise InvalidScopes("scopes", _("Choose at least one scope."))
    if len(chosen) > MOST_PER_KEY:
        raise InvalidScopes("scopes", _("Choose at most %(most)d scopes.", most=MOST_PER_KEY))
    return frozenset(chosen)


def stored(scopes: frozenset[str]) -> str:
    """How a key's scopes are kept: one space-separated text, sorted."""
    return " ".join(sorted(scopes))


def read(text: str | None) -> frozenset[str] | None:
    """A key's scopes as kept (None: every scope its kind of key may have)."""
    return None if text is None else frozenset(text.split())


def held(
    key_scopes: frozenset[str] | None, *, primary: bool, config: Mapping[str, Any]
) -> list[str]:
    """The scopes a key holds, by name, sorted: what users/me and the pages show."""
    if key_scopes is not None:
        return sorted(key_scopes)
    return list(_every_name(tuple(config["PLATFORM_SCOPES"]), primary=primary))


@functools.lru_cache(maxsize=16)
def _every_name(platform: tuple[str, ...], *, primary: bool) -> tuple[str, ...]:
    """Every scope a primary (or a named) key may have: asked by every users/me, so kept."""
    config = {"PLATFORM_SCOPES": platform}
    return tuple(sorted(vocabulary(config) if primary else grantable(config)))


def allows(key_scopes: frozenset[str] | None, needed: str) -> bool:
    """Whether a key with ``key_scopes`` may do what ``needed`` opens. A primary-only scope
    is the caller's to check: it asks whether the key is the primary key."""
    return key_scopes is None or needed in key_scopes
