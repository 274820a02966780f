"""What tests do and look at, from the sides the app has: a person in a browser (web), a
script (api, and the keyfob command: script), an operator (admin); and the test users
(users), real HTTP (live) and rc files (rc). Fixtures stay in tests/conftest.py."""
