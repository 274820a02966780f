"""Odd input to the named-key pages is a form message or a 404, never a 500."""

import pytest
from flask.testing import FlaskClient

from tests.helpers.keys import OWN_KEYS, form_message, submit_named_key


@pytest.mark.parametrize("day", ["9999-12-31", "9999-12-30"])
def test_the_last_dates_python_knows_are_refused(reauthed: FlaskClient, day: str) -> None:
    response = submit_named_key(reauthed, expires="date", expires_on=day)
    assert "Keys must expire within 36500 days." in form_message(response)


@pytest.mark.parametrize("choice", ["²", "9" * 5000, "7", "-30"])
def test_only_the_lifetimes_offered_are_taken(reauthed: FlaskClient, choice: str) -> None:
    response = submit_named_key(reauthed, expires=choice)
    assert "Choose when the key expires." in form_message(response)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("CI\tdeploy", "Remove the control characters."),
        ("CI\ndeploy", "Remove the line breaks: a name is one line."),
        ("CI\rdeploy", "Remove the line breaks: a name is one line."),
    ],
)
def test_a_name_is_one_line(reauthed: FlaskClient, name: str, message: str) -> None:
    assert message in form_message(submit_named_key(reauthed, name=name))


@pytest.mark.parametrize("key_id", [2**31, 2**63, 10**30])
def test_a_key_id_no_database_could_hold_is_not_found(reauthed: FlaskClient, key_id: int) -> None:
    assert reauthed.get(f"{OWN_KEYS}/{key_id}").status_code == 404
    assert reauthed.get(f"{OWN_KEYS}/{key_id}/zuliprc").status_code in (404, 410)
