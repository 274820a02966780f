"""A small client for Keyfob's API on httpx; every refused call raises ApiError."""

from typing import Any

import httpx

from keyfob_client import siteurl
from keyfob_client.credentials import RcConfig


class ApiError(Exception):
    """The server refused a call; ``code`` is stable across languages, ``msg`` is for people."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.status, self.code, self.msg = status, code, msg


class Client:
    """Calls the API as the credentials' user or bot (HTTP Basic email:key)."""

    def __init__(self, config: RcConfig, *, timeout: float = 10.0, **httpx_options: Any) -> None:
        self.config = config
        self._http = httpx.Client(
            base_url=siteurl.api_base(config.site),
            auth=(config.email, config.key),
            timeout=timeout,
            **httpx_options,
        )

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get_profile(self) -> dict[str, Any]:
        return self._call("GET", "/users/me")

    def regenerate_api_key(self, *, grace_seconds: int = 0) -> str:
        """A new key for these credentials; the client switches to it at once. With a
        ``grace_seconds`` overlap, the old key keeps working that long."""
        return str(self.regenerate_api_key_call(grace_seconds=grace_seconds)["api_key"])

    def regenerate_api_key_call(
        self, *, grace_seconds: int = 0, idempotency_key: str | None = None
    ) -> dict[str, Any]:
        """The whole answer of a regeneration (``api_key``, ``old_key_expires_at``); a
        repeat with the same ``idempotency_key`` answers the same key and rolls nothing."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        body = self._call(
            "POST",
            "/users/me/api_key/regenerate",
            {"grace_seconds": str(grace_seconds)},
            headers=headers,
        )
        self._http.auth = (self.config.email, str(body["api_key"]))
        return body

    def mint_token(
        self, *, ttl_seconds: int | None = None, scopes: list[str] | None = None
    ) -> dict[str, Any]:
        """A short-lived token of this key (``token``, ``expires_at``, ``scopes``…): it lives
        ``ttl_seconds`` (the server's default when None) and holds ``scopes`` (a subset of
        the key's; all a token may have when None)."""
        data = {}
        if ttl_seconds is not None:
            data["ttl_seconds"] = str(ttl_seconds)
        if scopes:
            data["scopes"] = ",".join(scopes)
        return self._call("POST", "/tokens", data)

    def list_bots(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/bots")["bots"])

    def create_bot(self, full_name: str, short_name: str) -> dict[str, Any]:
        return self._call("POST", "/bots", {"full_name": full_name, "short_name": short_name})

    def regenerate_bot_key(self, bot_id: int) -> str:
        return str(self._call("POST", f"/bots/{bot_id}/api_key/regenerate")["api_key"])

    def _call(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, data=data, headers=headers)
        except httpx.HTTPError as error:
            raise ApiError(0, "CONNECTION_ERROR", f"{self.config.site}: {error}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ApiError(response.status_code, "BAD_RESPONSE", "the server did not answer JSON")
        if response.is_error or body.get("result") != "success":
            code, msg = str(body.get("code", "BAD_REQUEST")), str(body.get("msg", ""))
            raise ApiError(response.status_code, code, msg)
        return body
