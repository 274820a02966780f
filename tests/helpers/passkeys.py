"""A passkey as a test holds it: a software authenticator that answers the options a page
offers as a browser's authenticator would (WebAuthn level 2: "none" attestation, a P-256 key,
an assertion signed over the authenticator data and the client data's hash). The browser
tests use Chromium's own virtual authenticator instead (tests/browser/test_passkeys.py)."""

import hashlib
import html
import json
import re
import secrets
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers.web import csrf_token

ADD_PASSKEY = "/settings/account/two-factor/passkeys/new"
LOGIN_BY_PASSKEY = "/login/second-step/passkey"
REAUTH_BY_PASSKEY = "/settings/account/api-key/passkey"
ORIGIN = "http://localhost"  # the test client's site (no SITE_URL in the tests' config)

OPTIONS_ON_PAGE = re.compile(r'id="([a-z-]+)" data-passkey-options="([^"]*)"')
_USER_PRESENT, _USER_VERIFIED, _ATTESTED = 0x01, 0x04, 0x40


def b64url(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def options_on(response: TestResponse, form_id: str) -> dict[str, Any]:
    """The options a page's passkey form (``form_id``) offers its browser."""
    assert response.status_code == 200, response.status
    return options_in(response.get_data(as_text=True), form_id)


def options_in(page: str, form_id: str) -> dict[str, Any]:
    for found_id, options in OPTIONS_ON_PAGE.findall(page):
        if found_id == form_id:
            parsed: dict[str, Any] = json.loads(html.unescape(options))
            return parsed
    raise AssertionError(f"no passkey form {form_id!r} on the page")


@dataclass
class Authenticator:
    """One passkey: its credential id, private key and signature counter. A synced passkey
    (``counts=False``) reports 0 always, as Apple's and Google's do: only the spent
    challenge then stops a replay."""

    origin: str = ORIGIN
    counts: bool = True
    verifies: bool = True  # a fingerprint, face or PIN; False: a touch-only security key
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(16))
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    counter: int = 0

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> str:
        """The answer to ``navigator.credentials.create()`` with ``options``, as JSON."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        numbers = self.key.public_key().public_numbers()
        cose_key = {
            1: 2,
            3: -7,
            -1: 1,
            -2: numbers.x.to_bytes(32, "big"),
            -3: numbers.y.to_bytes(32, "big"),
        }
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id
        auth_data = (
            self._auth_data(options["rp"]["id"], _ATTESTED) + attested + cbor2.dumps(cose_key)
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        response = {"clientDataJSON": b64url(client_data), "attestationObject": b64url(attestation)}
        return self._answer({**response, "transports": ["internal"]})

    def get(self, options: dict[str, Any], *, origin: str | None = None) -> str:
        """The answer to ``navigator.credentials.get()`` with ``options``, as JSON."""
        allowed = [unb64url(entry["id"]) for entry in options.get("allowCredentials", [])]
        assert not allowed or self.credential_id in allowed, "not a passkey the page asks for"
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = self._auth_data(options["rpId"], 0)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        response = {
            "clientDataJSON": b64url(client_data),
            "authenticatorData": b64url(auth_data),
            "signature": b64url(signature),
        }
        return self._answer(response)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        data = {"type": kind, "challenge": challenge, "origin": origin or self.origin}
        return json.dumps({**data, "crossOrigin": False}).encode()

    def _auth_data(self, rp_id: str, flags: int) -> bytes:
        self.counter += 1 if self.counts else 0
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        verified = _USER_VERIFIED if self.verifies else 0
        flag_byte = bytes([_USER_PRESENT | verified | flags])
        return rp_hash + flag_byte + self.counter.to_bytes(4, "big")

    def _answer(self, response: dict[str, Any]) -> str:
        credential = {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": response,
            "clientExtensionResults": {},
        }
        return json.dumps(credential)


def add_passkey(client: FlaskClient, name: str, device: Authenticator) -> TestResponse:
    """Add ``device`` as a passkey named ``name``, in an open re-authentication window."""
    page = client.get(ADD_PASSKEY)
    answer = device.create(options_on(page, "new-passkey"))
    return client.post(
        ADD_PASSKEY, data={"name": name, "answer": answer, "csrf_token": csrf_token(page)}
    )


def answer_on(
    client: FlaskClient, page: str, device: Authenticator, form_id: str
) -> dict[str, str]:
    """What a browser posts when ``device`` answers the passkey form ``form_id`` of ``page``."""
    shown = client.get(page)
    answer = device.get(options_on(shown, form_id))
    return {"answer": answer, "csrf_token": csrf_token(shown)}


def remove_link(account_page: str) -> str:
    """The first passkey's Remove link on the Account & privacy page."""
    match = re.search(r'href="(/settings/account/two-factor/passkeys/\d+/remove)"', account_page)
    assert match, "no passkey to remove"
    return match.group(1)
