"""Keys at rest and on the hot path: digests, ciphertext, verify(), concurrent regeneration."""

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.core import db
from app.core.models import ApiKey, Base, User
from app.keys import primary, verification
from app.keys.store import keystore
from app.people import accounts
from keyfob_client import keyformat
from tests.helpers.users import Account, MakeUser


def all_database_text(app: Flask) -> str:
    """Every value in every table, as text: what someone with a database dump could read."""
    with app.app_context():
        session = db.session()
        rows = [
            repr(tuple(row))
            for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        ]
    return "\n".join(rows)


def test_the_database_holds_no_plaintext_key(app: Flask, make_user: MakeUser) -> None:
    created = [make_user() for _ in range(3)]
    dump = all_database_text(app)
    for user in created:
        assert user.key not in dump
        assert user.key[4:34] not in dump


def test_the_sqlite_file_holds_no_plaintext_key(app: Flask, user: Account) -> None:
    url = app.config["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        pytest.skip("a file check needs the SQLite backend; the row dump covers PostgreSQL")
    path = Path(url.removeprefix("sqlite:///"))
    files = sorted(str(p) for p in path.parent.glob(path.name + "*"))  # the database, WAL, shm
    # Read by another process: closing a descriptor of the file here would drop this
    # process's SQLite locks on it, and a server closing its last connection could then
    # delete the WAL that this process's connections still write to.
    read = "import sys; [sys.stdout.buffer.write(open(f, 'rb').read()) for f in sys.argv[1:]]"
    copied = subprocess.run([sys.executable, "-c", read, *files], capture_output=True, check=True)
    raw = copied.stdout
    assert user.key.encode() not in raw


def test_the_stored_digest_is_the_peppered_hmac(app: Flask, user: Account) -> None:
    with app.app_context():
        record = primary.active_key(db.session(), user.id)
        assert record is not None
        assert record.digest == keystore().digest(user.key)
        assert record.hint == user.key[-4:]


def test_the_same_key_digests_differently_under_another_pepper(
    app: Flask, make_app: Callable[..., Flask], user: Account
) -> None:
    with app.app_context():
        ours = keystore().digest(user.key)
    with make_app(KEY_PEPPER="another pepper").app_context():
        assert keystore().digest(user.key) != ours


def test_reveal_decrypts_the_current_key(app: Flask, user: Account) -> None:
    with app.app_context():
        assert primary.reveal(db.session(), user.id) == user.key


def test_verify_finds_the_right_user_among_many(app: Flask, make_user: MakeUser) -> None:
    created = [make_user() for _ in range(60)]
    with app.test_request_context():
        for user in created[::7]:
            principal = verification.verify(user.email, user.key)
            assert (principal.user_id, principal.email) == (user.id, user.email)


def test_verify_compares_the_email_case_insensitively(app: Flask, user: Account) -> None:
    with app.test_request_context():
        assert verification.verify(user.email.upper(), user.key).user_id == user.id


def test_verify_rejects_a_key_presented_with_another_email(app: Flask, make_user: MakeUser) -> None:
    ada, bob = make_user(), make_user()
    with app.test_request_context(), pytest.raises(verification.InvalidKey):
        verification.verify(bob.email, ada.key)


def test_verify_rejects_a_well_formed_unknown_key(app: Flask, user: Account) -> None:
    unknown = keyformat.generate(keyformat.USER_PREFIX)
    with app.test_request_context(), pytest.raises(verification.InvalidKey):
        verification.verify(user.email, unknown)


def test_a_malformed_key_is_rejected_before_any_query(
    app: Flask, user: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_query(_digest: str) -> None:
        raise AssertionError("the database was queried for a malformed key")

    mistyped = user.key[:-1] + ("A" if user.key[-1] != "A" else "B")
    with app.test_request_context():
        # The lookup runs on a driver connection of its own, which no engine event sees.
        monkeypatch.setattr(keystore(), "lookup", no_query)
        with pytest.raises(verification.InvalidKey):
            verification.verify(user.email, mistyped)


def test_a_deactivated_users_key_is_rejected_as_deactivated(app: Flask, user: Account) -> None:
    with app.app_context():
        session = db.session()
        session.get_one(User, user.id).is_active = False
        session.commit()
    with app.test_request_context(), pytest.raises(accounts.AccountDeactivated):
        verification.verify(user.email, user.key)


def test_minting_revokes_the_previous_key(app: Flask, user: Account) -> None:
    with app.app_context():
        session = db.session()
        new_key = primary.mint(session, session.get_one(User, user.id))
        session.commit()
    with app.test_request_context():
        assert verification.verify(user.email, new_key).user_id == user.id
        with pytest.raises(verification.InvalidKey):
            verification.verify(user.email, user.key)


def test_the_database_refuses_a_second_active_key(app: Flask, user: Account) -> None:
    with app.app_context():
        session = db.session()
        session.add(ApiKey(user_id=user.id, digest="0" * 64, ciphertext="x", hint="abcd"))
        with pytest.raises(IntegrityError):
            session.commit()


def test_concurrent_regenerations_leave_exactly_one_active_key(app: Flask, user: Account) -> None:
    workers = 4
    barrier = threading.Barrier(workers)
    minted: list[str] = []
    errors: list[BaseException] = []

    def regenerate() -> None:
        try:
            with app.app_context():
                session = db.session()
                target = session.get_one(User, user.id)
                barrier.wait()
                minted.append(primary.mint(session, target))
                session.commit()
        except BaseException as error:  # reported below, not swallowed
            errors.append(error)

    threads = [threading.Thread(target=regenerate) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with app.app_context():
        active = db.session().scalar(
            text("SELECT COUNT(*) FROM api_keys WHERE user_id = :id AND revoked_at IS NULL"),
            {"id": user.id},
        )
        assert active == 1
        assert primary.reveal(db.session(), user.id) in minted
