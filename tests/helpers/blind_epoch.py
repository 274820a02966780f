"""The negative control of tests/keys/test_verified_live.py, served by gunicorn as
``tests.helpers.blind_epoch:create_app()``: Keyfob whose key store reads the epoch as a
constant (its verified keys then never see a change), which goes on serving a key that was
revoked. Never used outside that test."""

from flask import Flask

import app as keyfob
from app.keys import store
from tests.helpers.verified_keys import EPOCH_COLUMN

assert EPOCH_COLUMN in store.KeyStore.TOKEN_LOOKUP_SQL, "the token lookup no longer reads it so"
assert EPOCH_COLUMN in store.KeyStore.LOOKUP_SQL, "the lookup no longer reads the epoch this way"


class BlindKeyStore(store.KeyStore):
    EPOCH_SQL = "SELECT 0"
    LOOKUP_SQL = store.KeyStore.LOOKUP_SQL.replace(EPOCH_COLUMN, "0")
    TOKEN_LOOKUP_SQL = store.KeyStore.TOKEN_LOOKUP_SQL.replace(EPOCH_COLUMN, "0")


def create_app() -> Flask:
    application = keyfob.create_app()
    store.init_app(application, BlindKeyStore)
    api: Flask = application.extensions["keyfob.api"]  # it shares the pages' key store
    api.extensions["keyfob.keystore"] = application.extensions["keyfob.keystore"]
    return application
