"""The client's tests drive it against a real Keyfob server, so they share the server's
fixtures (the app, its database, users and a live server): tests/conftest.py."""

from tests.conftest import *  # noqa: F403
