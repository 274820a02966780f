"""An authenticator app's secret and codes (pyotp): six digits a 30-second step, a code
accepted within one step of the server's clock either way, and never twice.

The secret is kept encrypted as keys are (KEY_ENCRYPTION_KEYS, app/keys/store.py), since
the server must read it to compute codes; the QR code that carries it to the app is drawn
here as SVG, by segno, never by a third-party service."""

import hmac
import io
from datetime import datetime

import pyotp
import segno

DIGITS = 6
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a phone's clock a step behind or ahead still works


def new_secret() -> str:
    """A random base32 secret of 160 bits, as RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// address an app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account, issuer_name=issuer
    )


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as an inline SVG element (no XML declaration), dark on light
    whatever the page's colours, with a title for screen readers set by the page."""
    out = io.BytesIO()
    qr = segno.make(uri, error="m")
    qr.save(out, kind="svg", scale=5, border=2, xmldecl=False, dark="#000", light="#fff")
    return out.getvalue().decode("utf-8")


def grouped(secret: str) -> str:
    """The secret in groups of four, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step ``code`` belongs to, within DRIFT_STEPS of ``now``; None if none.
    Compared in constant time, each candidate."""
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found
