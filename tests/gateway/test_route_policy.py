"""The route policy: TOML rules tried in order, deny by default; the instance's file or the
shipped one for Zulip's API, checked at start, where a bad rule stops the app with a message
naming it; and a path that could be read two ways matches nothing."""

import logging
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from app.api.auth import scope_of
from app.keys import route_policy, scopes
from app.keys.route_policy import DEFAULT_POLICY, PolicyError, load
from tests.helpers.admin_api import api_routes

ZULIP = load(DEFAULT_POLICY, scopes.vocabulary({"PLATFORM_SCOPES": list(scopes.ZULIP_LABELS)}))


def write(folder: Path, text: str) -> Path:
    path = folder / "route_policy.toml"
    path.write_text(text)
    return path


def loaded(folder: Path, text: str) -> route_policy.Policy:
    return load(write(folder, text), scopes.vocabulary({"PLATFORM_SCOPES": ["messages:write"]}))


@pytest.mark.parametrize(
    ("method", "uri", "scope"),
    [
        ("POST", "/api/v1/messages", "messages:write"),
        ("GET", "/api/v1/messages?anchor=newest&num_before=10", "messages:read"),
        ("PATCH", "/api/v1/messages/42", "messages:write"),
        ("POST", "/api/v1/messages/42/reactions", "reactions:write"),
        ("POST", "/api/v1/register", "events:read"),
        ("GET", "/api/v1/events?queue_id=1:2&last_event_id=-1", "events:read"),
        ("GET", "/api/v1/streams", "streams:read"),
        ("POST", "/api/v1/users/me/subscriptions", "streams:write"),
        ("GET", "/api/v1/user_uploads/2/ab/cd/file.png", "messages:read"),
        ("GET", "/api/v1/users/me", "profile:read"),
        ("GET", "/api/v1/users/7", "users:read"),
    ],
)
def test_zulips_api_is_covered(method: str, uri: str, scope: str) -> None:
    rule = ZULIP.rule_for(method, uri)
    assert rule is not None and rule.scope == scope


def test_every_route_of_keyfobs_own_api_has_its_own_scope(app: Flask) -> None:
    api: Flask = app.extensions["keyfob.api"]
    for endpoint, method, path in api_routes(app):
        if endpoint == "api.forward_auth":
            continue
        rule = ZULIP.rule_for(method, path)
        assert rule is not None, f"{method} {path}"
        assert rule.scope == scope_of(api.view_functions[endpoint]), f"{method} {path}"


@pytest.mark.parametrize(
    ("method", "uri"),
    [
        ("POST", "/api/v1/messages/"),  # a trailing slash is another route
        ("PATCH", "/api/v1/messages/.."),  # each below would fit a {placeholder}, read one way
        ("PATCH", "/api/v1/messages/%2e%2e"),
        ("PATCH", "/api/v1/messages/."),
        ("GET", "/api/v1/users/me/../../messages"),
        ("GET", "/api/v1/users/..;"),
        ("GET", "/api/v1/user_uploads/../../../etc/passwd"),
        ("GET", "/api/v1/user_uploads/a//b"),
        ("GET", "/api/v1/user_uploads/a%2fb"),
        ("GET", "/api/v1/user_uploads/a%5cb"),
        ("GET", "/api/v1/user_uploads/a\\b"),
        ("GET", "/api/v1/user_uploads/a%252fb"),
        ("GET", "/api/v1/user_uploads/a%00b"),
        ("GET", "/api/v1/user_uploads/a%zzb"),
        ("GET", "/api/v1/users/%C3%A9"),
        ("GET", "/api/v1/users/%FF"),
        ("GET", "/api/v1/users/a%20b"),
        ("DELETE", "/api/v1/messages/123#/reactions"),  # nginx passes a raw #; Django cuts
        ("POST", "/api/v1/messages/flags#/reactions"),
        ("GET", "/api/v1/users/me#/subscriptions/1"),
        ("DELETE", "/api/v1/messages/123%23/reactions"),  # decoded, # is no id
        ("GET", '/api/v1/users/a"b'),
        ("GET", "/api/v1/users/a<b>"),
        ("POST", "api/v1/messages"),
        ("POST", "/api/v1/nothing_here"),
    ],
)
def test_what_no_rule_matches_is_denied(method: str, uri: str) -> None:
    assert ZULIP.rule_for(method, uri) is None


def test_one_escape_is_read_as_the_upstream_reads_it() -> None:
    rule = ZULIP.rule_for("POST", "/api/v1/mess%61ges")
    assert rule is not None and rule.scope == "messages:write"


def test_the_first_matching_rule_wins(tmp_path: Path) -> None:
    policy = loaded(
        tmp_path,
        '[[route]]\nmethods = ["GET"]\npath = "/a/special"\npublic = true\n'
        '[[route]]\nmethods = "*"\npath = "/a/{anything}"\nscope = "messages:write"\n',
    )
    special, other = policy.rule_for("GET", "/a/special"), policy.rule_for("DELETE", "/a/x")
    assert special is not None and special.scope is None
    assert other is not None and other.scope == "messages:write"
    assert policy.rule_for("GET", "/a/x/y") is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('[[route]]\nmethods = ["GET"]\npath = "/a/{rest...}/b"\nscope = "messages:write"', "last"),
        ('[[route]]\nmethods = ["GET"]\npath = "/a/b c"\nscope = "messages:write"', "'b c'"),
        ('[[route]]\nmethods = ["FETCH"]\npath = "/a"\nscope = "messages:write"', "methods"),
        ('[[route]]\nmethods = ["GET"]\npath = "/a"\nscope = "messages:fly"', "scope"),
        ('[[route]]\nmethods = ["GET"]\npath = "/a"', "scope"),
        (
            '[[route]]\nmethods = ["GET"]\npath = "/a"\npublic = true\nscope = "messages:write"',
            "scope",
        ),
        ('[[route]]\nmethods = ["GET"]\npath = "/a/../b"\npublic = true', "'..'"),
        ('[[route]]\nmethod = ["GET"]\npath = "/a"\npublic = true', "a rule has"),
        ("[[route]\n", "route_policy.toml"),
        ("", "[[route]]"),
    ],
)
def test_a_bad_rule_is_named(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(PolicyError) as refused:
        loaded(tmp_path, text)
    assert named in str(refused.value)


def test_the_instances_policy_is_used_and_checked_at_start(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    folder = tmp_path / "instance"
    folder.mkdir(exist_ok=True)
    write(folder, '[[route]]\nmethods = ["GET"]\npath = "/x"\nscope = "no:such"')
    with pytest.raises(PolicyError, match="rule 1: scope"):
        make_app(INSTANCE_PATH=str(folder))
    write(folder, '[[route]]\nmethods = ["POST"]\npath = "/api/v1/messages"\npublic = true')
    app = make_app(INSTANCE_PATH=str(folder))
    rule = app.extensions["keyfob.route_policy"].rule_for("POST", "/api/v1/messages")
    assert rule is not None and rule.scope is None
    assert app.extensions["keyfob.route_policy"].rule_for("GET", "/api/v1/users/me") is None


def test_another_platform_without_a_policy_still_starts(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="keyfob.route_policy"):
        app = make_app(PLATFORM_SCOPES=["tickets:write"])
    assert "write instance/route_policy.toml" in caplog.text
    policy = app.extensions["keyfob.route_policy"]
    assert policy.rule_for("POST", "/api/v1/messages") is None  # Zulip's: left out
    rule = policy.rule_for("GET", "/api/v1/users/me")  # Keyfob's own stay
    assert rule is not None and rule.scope == "profile:read"


def test_the_compiled_policy_picks_the_first_rule_in_order_for_every_route() -> None:
    """rule_for, compiled once, agrees with trying each rule in turn: for every method and
    every path the shipped rules name (placeholders filled, and one segment too many)."""
    paths = {
        rule.pattern.replace("...}", "}").replace("{", "x").replace("}", "") + tail
        for rule in ZULIP.rules
        for tail in ("", "/more")
    }
    for method in sorted(route_policy.METHODS):
        for path in sorted(paths):
            in_turn = next((r for r in ZULIP.rules if r.matches(method, path)), None)
            assert ZULIP.rule_for(method, path) is in_turn, (method, path)


def test_an_earlier_rule_wins_over_a_later_one_that_also_matches(tmp_path: Path) -> None:
    policy = loaded(
        tmp_path,
        '[[route]]\nmethods = ["GET"]\npath = "/api/v1/{anything...}"\npublic = true\n'
        '[[route]]\nmethods = ["GET"]\npath = "/api/v1/messages"\nscope = "messages:write"\n',
    )
    rule = policy.rule_for("GET", "/api/v1/messages")
    assert rule is not None and rule.scope is None
