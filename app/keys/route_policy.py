"""The route policy of the forward-auth check: which scope each route of the chat platform's
API needs (app/api/forward_auth.py asks it for every request a proxy checks).

A policy is a TOML file of ``[[route]]`` tables, tried in order, the first that matches
winning: ``methods`` (a list, or ``"*"`` for any), ``path`` (a pattern) and either ``scope``
(a name the deployment knows, app/keys/scopes.py) or ``public = true`` (no key needed, as
Zulip's server_settings). A path pattern is literal segments, ``{name}`` for any one
segment, and, last only, ``{name...}`` for one or more. A route no rule matches is refused:
deny by default.

The instance's ``route_policy.toml`` (ROUTE_POLICY_FILE) is used when it exists; otherwise
the one shipped beside this module, which covers Zulip's REST API as its clients call it and
Keyfob's own routes. Either is read and checked once, at start: a bad pattern, method or
scope stops the app with a message naming the rule.

A path is matched as the upstream will read it, or not at all: percent-escapes are decoded
once, and a path that could be read two ways (a dot segment, with parameters too, an empty
one, a backslash, an escaped slash or percent, a control character, anything not ASCII)
matches no rule; so does a path holding a character a path may not (a raw #).
"""

import logging
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from flask import Flask, current_app

from app.keys import scopes

log = logging.getLogger("keyfob.route_policy")
DEFAULT_POLICY = Path(__file__).with_name("zulip_routes.toml")
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
SEGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@-]+")
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(\.\.\.)?\}")
MOST_RULES = 1000
# What makes a path mean one thing to one server and another to the next.
AMBIGUOUS = re.compile(r"//|/\.\.?(;[^/]*)?(/|$)|\\|%|[\x00-\x20\x7f]")  # ..;x: Java's ..
ESCAPED_SEPARATOR = re.compile(r"%(2[fF]|5[cC]|25|00)")  # an escaped /, \, % or NUL
# What a request's path may hold as sent: RFC 3986's path characters and escapes. Anything
# else (a raw # above all, which nginx passes on and the next server cuts the path at) is
# read differently by different servers.
PATH_CHARACTERS = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/%-]*")
PLACEHOLDER_SEGMENT = r"[A-Za-z0-9._~!$&'()*+,;=:@-]+"  # one segment, as SEGMENT


class PolicyError(RuntimeError):
    """The policy file cannot be used; the message names the rule and what is wrong."""


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str] | None  # None: any method
    pattern: str
    regex: re.Pattern[str]
    scope: str | None  # None: public, no key needed

    def matches(self, method: str, path: str) -> bool:
        return (self.methods is None or method in self.methods) and bool(self.regex.fullmatch(path))


@dataclass(frozen=True)
class Policy:
    source: str  # the file it came from, for the log
    rules: tuple[Rule, ...]
    # Per method, the rules for it as one regular expression, one named group a rule in
    # their order (the first alternative that matches wins, as the first rule does), and
    # the rules by group: asked on every check, so compiled once rather than tried in turn.
    _matchers: dict[str, tuple[re.Pattern[str], dict[str, Rule]]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        matchers = {}
        for method in METHODS:
            named = {
                f"r{index}": rule
                for index, rule in enumerate(self.rules)
                if rule.methods is None or method in rule.methods
            }
            either = "|".join(f"(?P<{name}>{rule.regex.pattern})" for name, rule in named.items())
            matchers[method] = (re.compile(either or "(?!)"), named)
        object.__setattr__(self, "_matchers", matchers)

    def rule_for(self, method: str, uri: str) -> Rule | None:
        """The first rule for ``method`` and ``uri`` (a request target: path and query), or
        None: no rule, or a path that could be read two ways."""
        path = readable_path(uri)
        if path is None:
            return None
        matcher = self._matchers.get(method.upper())
        if matcher is None:
            return None
        expression, by_group = matcher
        found = expression.fullmatch(path)
        return None if found is None or found.lastgroup is None else by_group[found.lastgroup]


def readable_path(uri: str) -> str | None:
    """The path of ``uri`` decoded once, or None when it could be read two ways."""
    raw = uri.split("?", 1)[0]
    if not raw.startswith("/") or not PATH_CHARACTERS.fullmatch(raw):
        return None
    if ESCAPED_SEPARATOR.search(raw):
        return None
    try:
        decoded = unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return None
    # A % left after one decoding is a second layer of escapes, or no escape at all.
    if AMBIGUOUS.search(decoded) or not decoded.isascii():
        return None
    return decoded


def load(path: Path, known: dict[str, scopes.Scope], *, shipped: bool = False) -> Policy:
    """The policy in ``path``, checked against the ``known`` scopes; PolicyError otherwise.
    ``shipped``: the policy for Zulip's API, whose rules naming a scope this deployment does
    not list (another platform's PLATFORM_SCOPES) are left out, with a warning, rather than
    stopping a deployment that has no policy of its own, or no gateway at all."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as problem:
        raise PolicyError(f"{path}: {problem}") from None
    entries = document.get("route")
    if not isinstance(entries, list) or not entries or set(document) != {"route"}:
        raise PolicyError(f"{path}: expected one or more [[route]] tables and nothing else")
    if len(entries) > MOST_RULES:
        raise PolicyError(f"{path}: at most {MOST_RULES} rules")
    if shipped:
        entries = _known_only(entries, known)
    rules = [_rule(entry, known, f"{path}, rule {n}") for n, entry in enumerate(entries, 1)]
    return Policy(str(path), tuple(rules))


def _known_only(entries: list[Any], known: dict[str, scopes.Scope]) -> list[Any]:
    """The shipped rules whose scope this deployment knows (and the public ones)."""
    usable = [e for e in entries if e.get("scope") is None or e["scope"] in known]
    if len(usable) < len(entries):
        log.warning(
            "route policy: %d rules of the shipped policy name scopes PLATFORM_SCOPES does not"
            " list, and are left out: write instance/route_policy.toml for this platform",
            len(entries) - len(usable),
        )
    return usable


def _rule(entry: Any, known: dict[str, scopes.Scope], where: str) -> Rule:
    if not isinstance(entry, dict) or not set(entry) <= {"methods", "path", "scope", "public"}:
        raise PolicyError(f"{where}: a rule has methods, path, and scope or public = true")
    methods = _methods(entry.get("methods"), where)
    pattern = entry.get("path")
    if not isinstance(pattern, str):
        raise PolicyError(f"{where}: path must be text like /api/v1/messages/{{message_id}}")
    scope, public = entry.get("scope"), entry.get("public", False)
    if public is True and scope is None:
        return Rule(methods, pattern, _compile(pattern, where), None)
    if public is not False or not isinstance(scope, str) or scope not in known:
        raise PolicyError(f"{where}: scope must be one this deployment knows, or public = true")
    return Rule(methods, pattern, _compile(pattern, where), scope)


def _methods(value: Any, where: str) -> frozenset[str] | None:
    if value == "*":
        return None
    if not isinstance(value, list) or not value or not all(m in METHODS for m in value):
        raise PolicyError(f'{where}: methods must be "*" or a list of {sorted(METHODS)}')
    return frozenset(value)


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    """A path pattern as a regular expression; PolicyError for anything but segments,
    ``{name}`` and a last ``{name...}``."""
    if not pattern.startswith("/") or pattern == "/":
        raise PolicyError(f"{where}: path must start with / and name something")
    parts = pattern[1:].split("/")
    expression = ""
    for index, part in enumerate(parts):
        placeholder = PLACEHOLDER.fullmatch(part)
        if placeholder and placeholder.group(2):
            if index != len(parts) - 1:
                raise PolicyError(f"{where}: {{{placeholder.group(1)}...}} must come last")
            expression += f"/{PLACEHOLDER_SEGMENT}(?:/{PLACEHOLDER_SEGMENT})*"
        elif placeholder:
            expression += f"/{PLACEHOLDER_SEGMENT}"
        elif SEGMENT.fullmatch(part) and part not in (".", ".."):
            expression += "/" + re.escape(part)
        else:
            raise PolicyError(f"{where}: {part!r} is not a path segment or a {{placeholder}}")
    return re.compile(expression)


def init_app(app: Flask) -> None:
    """Load the instance's policy (or the shipped one) and check it, once."""
    chosen = Path(app.instance_path) / str(app.config["ROUTE_POLICY_FILE"])
    known = scopes.vocabulary(app.config)
    if chosen.is_file():
        app.extensions["keyfob.route_policy"] = load(chosen, known)
    else:
        app.extensions["keyfob.route_policy"] = load(DEFAULT_POLICY, known, shipped=True)


def policy() -> Policy:
    found: Policy = current_app.extensions["keyfob.route_policy"]
    return found
