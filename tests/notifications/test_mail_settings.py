"""Mail settings that cannot work stop the app at start, and say why without repeating a
password."""

from collections.abc import Callable

import pytest
from flask import Flask


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mailer:hunter2@mail.example.com", "must start with smtp://"),
        ("smtp://mailer:hunter2@mail.example.com:port", "port that is not a number"),
        ("smtps://mailer:hunter2@:465", "names no host"),
        ("smtps://mailer:hunter2%C3%A4@mail.example.com", "must be ASCII"),
    ],
)
def test_a_bad_smtp_url_stops_the_start(
    make_app: Callable[..., Flask], url: str, reason: str
) -> None:
    with pytest.raises(ValueError, match=reason) as refused:
        make_app(SMTP_URL=url)
    assert "hunter2" not in str(refused.value)


def test_an_unknown_delivery_mode_stops_the_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(ValueError, match="MAIL_DELIVERY must be background or command"):
        make_app(MAIL_DELIVERY="cron")
