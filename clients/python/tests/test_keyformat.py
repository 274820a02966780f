"""The key's text: prefix, length, alphabet and checksum, checked without a database."""

import pytest

from keyfob_client import keyformat


def test_a_user_key_has_the_documented_shape() -> None:
    key = keyformat.generate(keyformat.USER_PREFIX)
    assert key.startswith("kfu_")
    assert len(key) == 40
    assert set(key[4:]) <= set(keyformat.ALPHABET)
    assert keyformat.is_well_formed(key)


def test_a_bot_key_has_the_bot_prefix() -> None:
    key = keyformat.generate(keyformat.BOT_PREFIX)
    assert key.startswith("kfb_")
    assert keyformat.is_well_formed(key)


def test_a_token_has_its_own_prefix_and_the_same_shape() -> None:
    token = keyformat.generate(keyformat.TOKEN_PREFIX)
    assert token.startswith("kft_") and len(token) == 40
    assert keyformat.is_well_formed(token) and keyformat.is_token(token)
    assert not keyformat.is_token(keyformat.generate(keyformat.USER_PREFIX))


def test_keys_are_not_repeated() -> None:
    assert len({keyformat.generate(keyformat.USER_PREFIX) for _ in range(1000)}) == 1000


def test_an_unknown_prefix_cannot_be_generated() -> None:
    with pytest.raises(ValueError):
        keyformat.generate("kfx_")


def test_every_single_character_change_is_rejected() -> None:
    key = keyformat.generate(keyformat.USER_PREFIX)
    for position in range(4, len(key)):
        for replacement in keyformat.ALPHABET:
            if replacement != key[position]:
                mutated = key[:position] + replacement + key[position + 1 :]
                assert not keyformat.is_well_formed(mutated), (position, replacement)


def test_swapping_the_prefix_breaks_the_checksum() -> None:
    user_key = keyformat.generate(keyformat.USER_PREFIX)
    assert not keyformat.is_well_formed("kfb_" + user_key[4:])


@pytest.mark.parametrize("cut", [1, 6, 20, 39])
def test_a_truncated_key_is_rejected(cut: int) -> None:
    key = keyformat.generate(keyformat.BOT_PREFIX)
    assert not keyformat.is_well_formed(key[:cut])
    assert not keyformat.is_well_formed(key[cut:])


@pytest.mark.parametrize(
    "candidate",
    ["", "kfu_", "KFU_" + "a" * 36, "kfx_" + "a" * 36, "kfu_" + "a" * 35 + "!", "kfu_" + "é" * 36],
)
def test_garbage_is_rejected(candidate: str) -> None:
    assert not keyformat.is_well_formed(candidate)


def test_an_extended_key_is_rejected() -> None:
    key = keyformat.generate(keyformat.USER_PREFIX)
    assert not keyformat.is_well_formed(key + "a")
