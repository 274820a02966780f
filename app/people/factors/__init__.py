"""A second factor beside the password: an authenticator app (RFC 6238 codes) and
single-use recovery codes. Enrolment and removal (enrolment.py) are the domain's work,
audited and told; checking a code (checks.py) is counted against the same limits as a
password, for login, the re-authentication window and fetch_api_key alike."""
