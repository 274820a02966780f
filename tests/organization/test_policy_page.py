"""Organization > Policies: one form for the policies, each shown beside the
configuration's default; a value out of range is a field error, and a change takes effect."""

from flask import Flask

from tests.helpers.organization import ORG, organization
from tests.helpers.web import field_error, post_form, submit_bot_form

POLICIES = f"{ORG}/policies"
GOOD = {
    "bot_creation_policy": "everyone",
    "max_bots_per_user": "20",
    "max_key_lifetime_days": "0",
    "registration_open": "y",
    "second_factor_required": "nobody",
}


def test_the_form_shows_each_default(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(MAX_BOTS_PER_USER=7)
    people = organization(app)
    page = people.admin_browser.get(POLICIES).get_data(as_text=True)
    assert "Default: 7" in page and 'value="7"' in page


def test_only_administrators_may_create_bots_once_chosen(app: Flask) -> None:
    people = organization(app)
    answer = post_form(
        people.admin_browser, POLICIES, {**GOOD, "bot_creation_policy": "admins_only"}
    )
    assert answer.status_code == 302
    refused = submit_bot_form(people.member_browser)
    assert "Weather Bot is ready" not in refused.get_data(as_text=True)
    page = people.admin_browser.get(POLICIES).get_data(as_text=True)
    assert '<option selected value="admins_only">' in page


def test_closing_registration_is_saved(app: Flask) -> None:
    people = organization(app)
    data = {key: value for key, value in GOOD.items() if key != "registration_open"}
    post_form(people.admin_browser, POLICIES, data)
    assert app.test_client().get("/register").status_code == 404


def test_a_number_out_of_range_is_a_field_error(app: Flask) -> None:
    people = organization(app)
    for wrong in ("1001", "-3", "many", "²", "9" * 5000):
        answer = post_form(people.admin_browser, POLICIES, {**GOOD, "max_bots_per_user": wrong})
        assert field_error(answer, "max_bots_per_user") == "Use a whole number from 0 to 1000."


def test_an_unknown_bot_creation_policy_is_a_field_error(app: Flask) -> None:
    people = organization(app)
    answer = post_form(people.admin_browser, POLICIES, {**GOOD, "bot_creation_policy": "nobody"})
    assert field_error(answer, "bot_creation_policy") == "Choose one of the offered values."


def test_requiring_a_second_factor_is_saved(app: Flask) -> None:
    people = organization(app)
    wanted = {**GOOD, "second_factor_required": "key_makers"}
    assert post_form(people.owner_browser, POLICIES, wanted).status_code == 302
    page = people.member_browser.get("/settings/bots")
    assert submit_bot_form(people.member_browser).location.endswith("/two-factor/app")
    assert page.status_code == 200


def test_an_unknown_second_factor_policy_is_a_field_error(app: Flask) -> None:
    people = organization(app)
    answer = post_form(people.admin_browser, POLICIES, {**GOOD, "second_factor_required": "all"})
    assert field_error(answer, "second_factor_required") == "Choose one of the offered values."


def test_a_change_is_in_the_audit_log(app: Flask) -> None:
    people = organization(app)
    post_form(people.admin_browser, POLICIES, {**GOOD, "max_bots_per_user": "3"})
    log = people.admin_browser.get(f"{ORG}/audit").get_data(as_text=True)
    assert 'data-event="policy_changed"' in log


def test_stale_keys_are_at_least_a_day_unused_and_their_expiry_is_saved(app: Flask) -> None:
    people = organization(app)
    answer = post_form(people.admin_browser, POLICIES, {**GOOD, "stale_key_days": "0"})
    assert field_error(answer, "stale_key_days") == "Use a whole number from 1 to 3650."
    wanted = {**GOOD, "stale_key_days": "30", "stale_key_expiry_days": "14"}
    assert post_form(people.admin_browser, POLICIES, wanted).status_code == 302
    page = people.admin_browser.get(POLICIES).get_data(as_text=True)
    assert 'value="30"' in page and 'value="14"' in page
