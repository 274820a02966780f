"""`flask keys rotate-encryption-key` and `flask keys rotate-pepper`: after each, every key
authenticates and reveals under the new secret alone; during the pepper's, under either, in
one query; a crashed run resumes; a wrong configuration is refused before anything changes;
and no key text is ever printed. (Under live traffic: test_secret_rotation_live.py.)"""

import re
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask
from sqlalchemy import event, select

from app.core import db
from app.core.models import ApiKey, User
from app.keys import primary, secret_rotation
from app.keys.store import keystore
from tests.helpers.api import api_me, api_ok
from tests.helpers.api_keys import regenerate
from tests.helpers.seed import seed_keys

MakeApp = Callable[..., Flask]
OLD_PEPPER, NEW_PEPPER = "old pepper " + "o" * 40, "new pepper " + "n" * 40
OLD_FERNET, NEW_FERNET = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(secret_rotation, "BATCH", 7)  # many batches from a few keys


def secrets_app(make_app: MakeApp, pepper: str, fernets: list[str], previous: str = "") -> Flask:
    return make_app(KEY_PEPPER=pepper, KEY_ENCRYPTION_KEYS=fernets, KEY_PEPPER_PREVIOUS=previous)


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["keys", *args])


def assert_all_work(app: Flask, pairs: list[tuple[str, str]]) -> None:
    """Every key authenticates over the API, and reveals as itself."""
    client = app.test_client()
    for email, key in pairs:
        api_ok(api_me(client, email, key))
    with app.app_context():
        session = db.session()
        holders = session.execute(select(User.email, User.id)).all()
        revealed = {email: primary.reveal(session, user_id) for email, user_id in holders}
    assert all(revealed[email] == key for email, key in pairs)


def digests(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session().scalars(select(ApiKey.digest).order_by(ApiKey.id)))


def assert_no_key_text(output: str, pairs: list[tuple[str, str]]) -> None:
    for _email, key in pairs:
        assert key not in output and key[4:] not in output


def test_encryption_rotation_leaves_the_old_key_unneeded(make_app: MakeApp) -> None:
    pairs = seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 30)
    both = secrets_app(make_app, OLD_PEPPER, [NEW_FERNET, OLD_FERNET])
    before = run(both, "rotate-encryption-key", "--check")
    assert (
        before.exit_code == 1 and "30 keys are still encrypted with an older key" in before.output
    )
    rotated = run(both, "rotate-encryption-key")
    assert rotated.exit_code == 0, rotated.output
    assert "30 of 30 keys: 30 rewritten" in rotated.output
    after = run(both, "rotate-encryption-key", "--check")
    assert after.exit_code == 0 and "Every key is current" in after.output
    again = run(both, "rotate-encryption-key")  # a second run finds nothing to do
    assert "30 of 30 keys: 0 rewritten, 30 already current" in again.output
    assert_all_work(secrets_app(make_app, OLD_PEPPER, [NEW_FERNET]), pairs)
    for output in (before.output, rotated.output, after.output, again.output):
        assert_no_key_text(output, pairs)


def test_an_unreadable_ciphertext_is_reported_by_id(make_app: MakeApp) -> None:
    seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 3)
    forgotten = secrets_app(make_app, OLD_PEPPER, [NEW_FERNET])  # the old key dropped too soon
    result = run(forgotten, "rotate-encryption-key")
    assert result.exit_code == 1
    assert "3 keys cannot be read with the configured secrets (ids " in result.output


def test_a_key_no_encryption_key_reads_is_left_and_reported_by_the_pepper_rotation(
    make_app: MakeApp,
) -> None:
    lost = seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 3, prefix="lost")
    kept = seed_keys(secrets_app(make_app, OLD_PEPPER, [NEW_FERNET]), 9, prefix="kept")
    rotating = secrets_app(make_app, NEW_PEPPER, [NEW_FERNET], previous=OLD_PEPPER)
    result = run(rotating, "rotate-pepper")
    assert result.exit_code == 1
    assert "12 of 12 keys: 9 rewritten, 0 already current, 3 unreadable" in result.output
    assert re.search(
        r"3 keys cannot be read with the configured secrets \(ids \d+, \d+, \d+\)", result.output
    )
    api_ok(api_me(secrets_app(make_app, NEW_PEPPER, [NEW_FERNET]).test_client(), *kept[0]))
    assert_no_key_text(result.output, lost + kept)


def test_pepper_rotation_keeps_every_key_verifying(make_app: MakeApp) -> None:
    pairs = seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 30)
    rotating = secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous=OLD_PEPPER)
    assert_all_work(rotating, pairs)  # before the command: every key under the old pepper
    minted = seed_keys(rotating, 2, prefix="minted")  # during: new keys, under the new one
    assert run(rotating, "rotate-pepper", "--check").exit_code == 1
    rotated = run(rotating, "rotate-pepper")
    assert rotated.exit_code == 0, rotated.output
    assert "32 of 32 keys: 30 rewritten, 2 already current" in rotated.output
    checked = run(rotating, "rotate-pepper", "--check")
    assert checked.exit_code == 0 and "Every key is current" in checked.output
    assert_all_work(secrets_app(make_app, NEW_PEPPER, [OLD_FERNET]), pairs + minted)
    for output in (rotated.output, checked.output):
        assert_no_key_text(output, pairs + minted)


def test_a_crashed_pepper_rotation_resumes(make_app: MakeApp) -> None:
    pairs = seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 30)
    rotating = secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous=OLD_PEPPER)

    def crash_after_two(progress: secret_rotation.Progress) -> None:
        if progress.seen >= 14:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a lost connection

    with rotating.app_context(), pytest.raises(KeyboardInterrupt):
        secret_rotation.repepper(db.session(), keystore(), on_batch=crash_after_two)
    assert_all_work(rotating, pairs)  # half rewritten: every key still verifies
    resumed = run(rotating, "rotate-pepper")
    assert "30 of 30 keys: 16 rewritten, 14 already current" in resumed.output
    assert_all_work(secrets_app(make_app, NEW_PEPPER, [OLD_FERNET]), pairs)


def test_rotate_pepper_needs_the_previous_pepper(make_app: MakeApp) -> None:
    seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 3)
    result = run(secrets_app(make_app, NEW_PEPPER, [OLD_FERNET]), "rotate-pepper")
    assert result.exit_code == 1 and "KEY_PEPPER_PREVIOUS is not set" in result.output


def test_a_wrong_previous_pepper_is_refused_and_changes_nothing(make_app: MakeApp) -> None:
    original = secrets_app(make_app, OLD_PEPPER, [OLD_FERNET])
    seed_keys(original, 10)
    before = digests(original)
    wrong = secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous="not the old pepper")
    result = run(wrong, "rotate-pepper")
    assert result.exit_code == 1
    # It stops at the first batch (of 7 here): nothing is written under a wrong pepper.
    assert "7 keys match neither KEY_PEPPER nor KEY_PEPPER_PREVIOUS" in result.output
    assert "not the old pepper" not in result.output and OLD_PEPPER not in result.output
    assert digests(original) == before


def test_a_previous_pepper_equal_to_the_pepper_stops_start_up(make_app: MakeApp) -> None:
    with pytest.raises(RuntimeError, match=r"^KEY_PEPPER_PREVIOUS is the same as KEY_PEPPER$"):
        secrets_app(make_app, OLD_PEPPER, [OLD_FERNET], previous=OLD_PEPPER)


@pytest.mark.parametrize("previous", ["", OLD_PEPPER])
def test_the_lookup_stays_one_query(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, previous: str
) -> None:
    """One prepared SELECT either way (a key this process has not verified before needs
    nothing else); the single-pepper SQL is the plain equality."""
    pairs = seed_keys(secrets_app(make_app, previous or NEW_PEPPER, [OLD_FERNET]), 2)
    app = secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous=previous)
    reader = app.extensions["keyfob.keystore"].reader
    looked_up: list[str] = []
    through_engine: list[str] = []
    fetch_one = reader.fetch_one

    def counted(sql: str, parameters: tuple[Any, ...]) -> Any:
        looked_up.append(sql)
        return fetch_one(sql, parameters)

    def on_execute(*args: Any) -> None:
        through_engine.append(args[2])

    monkeypatch.setattr(reader, "fetch_one", counted)
    engine = app.extensions["keyfob.engine"]
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        api_ok(api_me(app.test_client(), *pairs[0]))  # a seeded key: no first-use write
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert through_engine == [] and len(looked_up) == 1
    where = looked_up[0].rsplit(" WHERE ", 1)[1]
    assert where.startswith("k.digest IN (" if previous else "k.digest = ")


def test_an_idempotent_regeneration_repeats_across_the_pepper_switch(make_app: MakeApp) -> None:
    """The Idempotency-Key itself is not stored, so its digest cannot be rewritten: while
    the previous pepper is configured, a retry still finds its record."""
    before = secrets_app(make_app, OLD_PEPPER, [OLD_FERNET])
    email, key = seed_keys(before, 1)[0]

    def retry(app: Flask) -> dict[str, object]:  # with an overlap: the old key still works
        return api_ok(
            regenerate(app.test_client(), (email, key), idempotency_key="r-1", grace_seconds=600)
        )

    first = retry(before)
    again = retry(secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous=OLD_PEPPER))
    assert again == first


def test_the_first_step_of_a_rolling_deploy_accepts_both_and_mints_under_the_old(
    make_app: MakeApp,
) -> None:
    """KEY_PEPPER still the old one, the new one as KEY_PEPPER_PREVIOUS: a node part-way
    through a rolling restart verifies keys made by nodes on either side of it."""
    old_side = seed_keys(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), 2, prefix="old")
    new_side = seed_keys(
        secrets_app(make_app, NEW_PEPPER, [OLD_FERNET], previous=OLD_PEPPER), 2, prefix="new"
    )
    first_step = secrets_app(make_app, OLD_PEPPER, [OLD_FERNET], previous=NEW_PEPPER)
    assert_all_work(first_step, old_side + new_side)
    minted = seed_keys(first_step, 1, prefix="minted")
    assert_all_work(secrets_app(make_app, OLD_PEPPER, [OLD_FERNET]), old_side + minted)
