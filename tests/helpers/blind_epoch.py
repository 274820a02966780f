"""The negative control of tests/keys/test_verified_live.py, served by gunicorn as
``tests.helpers.blind_epoch:create_app()``: Keyfob with the epoch check taken out of its
verified keys (the counter read as a constant), which then goes on serving a key that was
revoked. Never used outside that test."""

from flask import Flask

import app as keyfob
from tests.helpers.verified_keys import EPOCH_COLUMN


def create_app() -> Flask:
    application = keyfob.create_app()
    store = application.extensions["keyfob.keystore"]
    assert EPOCH_COLUMN in store._sql, "the lookup no longer reads the epoch this way"
    store._sql = store._sql.replace(EPOCH_COLUMN, "0")
    store._epoch_sql = "SELECT 0"
    return application
