"""The pattern docs/gitleaks.toml ships (and docs/secret-scanning.md gives for other scanners)
finds every kind of key the code mints; the checksum in keyfob_client.keyformat then drops
the near misses the pattern cannot tell from keys."""

import re
import tomllib

import pytest
from flask.testing import FlaskClient

from app.core.config import PROJECT_ROOT
from keyfob_client import keyformat
from tests.helpers.api import API, api_create_bot, api_ok
from tests.helpers.users import Account

RULES = PROJECT_ROOT / "docs" / "gitleaks.toml"


def keyfob_pattern() -> re.Pattern[str]:
    [rule] = [r for r in tomllib.loads(RULES.read_text())["rules"] if r["id"] == "keyfob-api-key"]
    return re.compile(rule["regex"])


def found(text: str) -> list[str]:
    """What the rule reports in ``text``: its secret group, as gitleaks does."""
    return [m.group(1) for m in keyfob_pattern().finditer(text)]


@pytest.fixture
def minted(client: FlaskClient, user: Account) -> dict[str, str]:
    """One key of every kind the code makes, made the way people and scripts make them."""
    auth = (user.email, user.key)
    named = api_ok(client.post(f"{API}/users/me/keys", data={"name": "ci"}, auth=auth))
    bot = api_create_bot(client, user, "Relay", "relay").get_json()
    bot_named = api_ok(
        client.post(f"{API}/bots/{bot['user_id']}/keys", data={"name": "ci"}, auth=auth)
    )
    token = api_ok(client.post(f"{API}/tokens", auth=auth))
    rolled = api_ok(client.post(f"{API}/users/me/api_key/regenerate", auth=auth))
    return {
        "short-lived token": str(token["token"]),
        "user primary": user.key,
        "user named": str(named["api_key"]),
        "bot primary": bot["api_key"],
        "bot named": str(bot_named["api_key"]),
        "regenerated": str(rolled["api_key"]),
    }


def test_the_pattern_finds_every_kind_of_key(minted: dict[str, str]) -> None:
    for kind, key in minted.items():
        for text in (key, f'ZULIP_API_KEY="{key}"', f"key={key}\n", f"Bearer {key}."):
            assert found(text) == [key], kind


def test_a_scanner_finds_the_key_only_with_its_checksum_right(minted: dict[str, str]) -> None:
    key = minted["user primary"]
    changed = key[:10] + ("A" if key[10] != "A" else "B") + key[11:]
    swapped_prefix = keyformat.BOT_PREFIX + key[len(keyformat.USER_PREFIX) :]
    for near_miss in (changed, swapped_prefix):
        assert found(near_miss) == [near_miss]  # the pattern cannot tell...
        assert not keyformat.is_well_formed(near_miss)  # ...the checksum can


def test_truncated_or_wrongly_prefixed_strings_are_not_even_matched(
    minted: dict[str, str],
) -> None:
    key = minted["bot primary"]
    for near_miss in (key[:-1], "kfx_" + key[4:], "KFB_" + key[4:]):
        assert found(near_miss) == []
        assert not keyformat.is_well_formed(near_miss)


def test_a_longer_run_of_characters_is_no_key(minted: dict[str, str]) -> None:
    assert found(minted["user named"] + "x") == []


def test_every_match_with_a_right_checksum_is_a_minted_key(minted: dict[str, str]) -> None:
    text = "\n".join([*minted.values(), "kfu_" + "a" * 36])
    assert [m for m in found(text) if keyformat.is_well_formed(m)] == list(minted.values())
