"""GitHub's secret-scanning partner program: the public keys GitHub signs its reports with,
and checking a report's signature (ECDSA on P-256 with SHA-256, base64 DER, over the raw
body). The keys come from a file the operator keeps (GITHUB_SECRET_SCANNING_KEYS_FILE, in
the shape https://api.github.com/meta/public_keys/secret_scanning serves): nothing is
fetched from the network, so a report is checked without depending on GitHub's API.
"""

import base64
import binascii
import json
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from flask import Flask, current_app

SIGNATURE_MAX = 200  # base64 characters: a P-256 DER signature is at most 72 bytes


class BadSignature(Exception):
    """The report is not signed by a key GitHub publishes (or the signature is malformed)."""


class GitHubKeys:
    """GitHub's signing keys by identifier; empty when the partner endpoint is off."""

    def __init__(self, keys: dict[str, ec.EllipticCurvePublicKey]) -> None:
        self._keys = keys

    @property
    def enabled(self) -> bool:
        return bool(self._keys)

    @classmethod
    def from_file(cls, path: Path) -> "GitHubKeys":
        """Read GitHub's key list; anything unexpected in it stops the app at start."""
        try:
            listed = json.loads(path.read_text(encoding="utf-8"))["public_keys"]
            keys = {entry["key_identifier"]: _p256(entry["key"]) for entry in listed}
        except (OSError, ValueError, KeyError, TypeError) as problem:
            raise RuntimeError(
                f"GITHUB_SECRET_SCANNING_KEYS_FILE {path}: not GitHub's key list ({problem})"
            ) from None
        if not keys:
            raise RuntimeError(f"GITHUB_SECRET_SCANNING_KEYS_FILE {path} lists no key")
        return cls(keys)

    def verify(self, key_identifier: str, signature: str, body: bytes) -> None:
        """BadSignature unless ``signature`` (base64 DER) signs ``body`` under the key."""
        key = self._keys.get(key_identifier)
        if key is None or len(signature) > SIGNATURE_MAX:
            raise BadSignature()
        try:
            der = base64.b64decode(signature, validate=True)
            key.verify(der, body, ec.ECDSA(hashes.SHA256()))
        except (binascii.Error, ValueError, InvalidSignature):
            raise BadSignature() from None


def _p256(pem: str) -> ec.EllipticCurvePublicKey:
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        raise ValueError("a key is not an ECDSA P-256 public key")
    return key


def github_keys() -> GitHubKeys:
    keys: GitHubKeys = current_app.extensions["keyfob.github_scanning_keys"]
    return keys


def init_app(app: Flask) -> None:
    """Load GitHub's keys once, at start (a relative path is in the instance folder)."""
    configured = str(app.config["GITHUB_SECRET_SCANNING_KEYS_FILE"])
    keys = GitHubKeys({})
    if configured:
        keys = GitHubKeys.from_file(Path(app.instance_path) / configured)
    app.extensions["keyfob.github_scanning_keys"] = keys
