"""Whose keys a settings page is about: the user's own, or one of their bots'."""

from dataclasses import dataclass, field
from typing import Any

from flask import url_for

from app.core.models import User


@dataclass
class Place:
    """Whose keys a page is about, and where its links go."""

    holder: User
    prefix: str  # "own" or "bot": the endpoints are settings.<prefix>_...
    tab: str
    args: dict[str, Any] = field(default_factory=dict)

    def url(self, action: str, **more: Any) -> str:
        return url_for(f"settings.{self.prefix}_{action}", **self.args, **more)

    @property
    def list_url(self) -> str:
        return url_for("settings.account") if self.prefix == "own" else self.url("keys")
