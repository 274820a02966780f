"""A real SMTP server in the test process (aiosmtpd on a free loopback port), which a test
can stop and start again, and the queue's delivery run by hand."""

import datetime
import ipaddress
import ssl
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPProtocol
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask

from app.core import db
from app.notifications.mail import deliver_due
from app.notifications.mail.outbox import Delivery
from tests.helpers.services import free_port

WAIT_SECONDS = 10
SMTP_USER, SMTP_PASSWORD = "keyfob", "mail-password"


@dataclass
class _Handler:
    received: list[EmailMessage] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)  # recipients answered 550

    async def handle_RCPT(
        self, server: SMTPProtocol, session: Session, envelope: Envelope, address: str, *_: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPProtocol, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        parsed = message_from_bytes(content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted"


def _check_login(
    server: SMTPProtocol, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        SMTP_USER.encode(),
        SMTP_PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False)


class SmtpServer:
    """aiosmtpd on 127.0.0.1. ``security``: "plain", "starttls" (required, with a login) or
    "smtps" (TLS from the first byte, with a login). TLS uses a certificate made here,
    which SMTP_CA_FILE names: certificates are still checked."""

    def __init__(self, folder: Path, security: str = "plain", *, smtputf8: bool = True) -> None:
        self.port, self.security, self.smtputf8 = free_port(), security, smtputf8
        self.handler = _Handler()
        self.ca_file = folder / "smtp-ca.pem"
        self._tls = _tls_context(folder, self.ca_file) if security != "plain" else None
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        if self.security == "plain":
            return f"smtp://127.0.0.1:{self.port}"
        scheme = "smtp+starttls" if self.security == "starttls" else "smtps"
        return f"{scheme}://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.port}"

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received

    def settings(self) -> dict[str, object]:
        """What an app needs to send here."""
        return {"SMTP_URL": self.url, "SMTP_CA_FILE": str(self.ca_file) if self._tls else ""}

    def start(self) -> None:
        secure: dict[str, Any] = {}
        if self.security == "starttls":
            secure = {"tls_context": self._tls, "require_starttls": True}
        elif self.security == "smtps":
            secure = {"ssl_context": self._tls}
        if self.security != "plain":
            # aiosmtpd only counts STARTTLS as TLS for AUTH; an smtps connection is TLS
            # from its first byte, so it is told not to insist.
            tls_first = self.security == "smtps"
            secure |= {"authenticator": _check_login, "auth_require_tls": not tls_first}
        self._controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            enable_SMTPUTF8=self.smtputf8,
            **secure,
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (or what came, after WAIT_SECONDS)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)


def _tls_context(folder: Path, ca_file: Path) -> ssl.SSLContext:
    """A self-signed certificate for 127.0.0.1, written to ``ca_file``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "keyfob test smtp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    ca_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file = folder / "smtp-key.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(ca_file, key_file)
    return context


def deliver(app: Flask) -> Delivery:
    """Run the queue's delivery now, as `flask mail send` would."""
    with app.app_context():
        return deliver_due(app, db.session())


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())
