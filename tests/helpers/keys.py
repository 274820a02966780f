"""Named keys and rolls as a person makes them in the settings pages."""

import re
from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.core import db
from app.keys import primary
from tests.helpers.web import BOTS, key_in, post_form

OWN_KEYS = "/settings/account/keys"
REVOKE_ALL = "/settings/account/revoke-all"


def keys_base(bot_id: int | None = None) -> str:
    """Where the named-key pages of the user (or of their bot ``bot_id``) live."""
    return OWN_KEYS if bot_id is None else f"{BOTS}/{bot_id}/keys"


@dataclass
class NamedKey:
    """A named key as its creator saw it: its id, its page, and the key shown once."""

    id: int
    page: str
    key: str


# The boxes the form ticks when it opens: every scope a named key may have (by default).
EVERY_NAMED_SCOPE = [
    "bots:read",
    "keys:read",
    "profile:read",
    "users:read",
    "tokens:write",
    "messages:read",
    "messages:write",
    "streams:read",
    "streams:write",
    "events:read",
    "reactions:write",
    "uploads:write",
]


def submit_named_key(
    client: FlaskClient, bot_id: int | None = None, **fields: str | list[str]
) -> TestResponse:
    """Submit the "Create a named key" form as it opens (every box ticked): good values
    unless ``fields`` say."""
    new = keys_base(bot_id) + "/new"
    sent = {"name": "CI deploy", "expires": "never", "scopes": EVERY_NAMED_SCOPE, **fields}
    return post_form(client, new, sent)


def create_named_key(
    client: FlaskClient, bot_id: int | None = None, **fields: str | list[str]
) -> NamedKey:
    """Create a named key and open its page, as the creator's browser does; must succeed."""
    response = submit_named_key(client, bot_id, **fields)
    assert response.status_code == 302, "the key was not created"
    page = response.location
    match = re.search(r"/keys/(\d+)$", page)
    assert match, page
    return NamedKey(int(match.group(1)), page, key_in(client.get(page).get_data(as_text=True)))


def form_message(response: TestResponse) -> str:
    """Every error message a re-rendered form shows (never a 500)."""
    assert response.status_code == 200, response.status
    page = response.get_data(as_text=True)
    return " ".join(re.findall(r'class="field-error"[^>]*>([^<]*)<', page))


def regenerate(client: FlaskClient, page: str, grace: str) -> TestResponse:
    """Confirm a regeneration on ``page`` with the overlap ``grace`` (seconds)."""
    return post_form(client, page, {"grace": grace})


def primary_key_id(app: Flask, holder_id: int) -> int:
    """The id of the holder's primary key record (ids are no secret; the key is)."""
    with app.app_context():
        record = primary.active_key(db.session(), holder_id)
        assert record is not None
        return record.id
