"""API keys: the primary key, named keys, how keys are kept and verified, their use, idempotent
regeneration, revocation, leaks and secret scanning, secret rotation, and the zuliprc writer. No
web code."""
