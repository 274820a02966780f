"""Reporting leaked keys as a stranger or a scanner would: the public revocation endpoint, and
GitHub's partner endpoint with reports signed by a key pair made for the test."""

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.api import API

REVOKE = f"{API}/keys/revoke"
GITHUB = f"{API}/secret_scanning/github"
KEY_ID = "test-key-1"


def report_leak(client: FlaskClient, *keys: str, source: str | None = None) -> TestResponse:
    """POST /keys/revoke as the canonical JSON object."""
    body: dict[str, Any] = {"keys": list(keys)}
    if source is not None:
        body["source"] = source
    return client.post(REVOKE, json=body)


class GitHubSigner:
    """A stand-in for GitHub: an ECDSA P-256 key pair, its public half written in the shape
    of https://api.github.com/meta/public_keys/secret_scanning."""

    def __init__(self, folder: Path, key_id: str = KEY_ID) -> None:
        self.key_id = key_id
        self._private = ec.generate_private_key(ec.SECP256R1())
        self.keys_file = folder / "github-keys.json"
        pem = self._private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        listing = {
            "public_keys": [{"key_identifier": key_id, "key": pem.decode(), "is_current": True}]
        }
        folder.mkdir(parents=True, exist_ok=True)
        self.keys_file.write_text(json.dumps(listing))

    def sign(self, body: bytes) -> str:
        return base64.b64encode(self._private.sign(body, ec.ECDSA(hashes.SHA256()))).decode()

    def post(
        self, client: FlaskClient, matches: list[dict[str, str]], **header_overrides: str
    ) -> TestResponse:
        """Send ``matches`` as GitHub does: raw JSON, signed, with its two headers (or
        others: ``Github_Public_Key_Signature="…"`` replaces that header)."""
        body = json.dumps(matches).encode()
        headers = {
            "Github-Public-Key-Identifier": self.key_id,
            "Github-Public-Key-Signature": self.sign(body),
        }
        headers.update({name.replace("_", "-"): value for name, value in header_overrides.items()})
        return client.post(GITHUB, data=body, headers=headers, content_type="application/json")


def match(
    token: str, url: str = "https://github.com/octo/repo/blob/abc/settings.py"
) -> dict[str, str]:
    """One of GitHub's matches for a Keyfob key found at ``url``."""
    return {"token": token, "type": "keyfob_api_key", "url": url, "source": "content"}
