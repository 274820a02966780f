"""Where a message goes: an SMTP server named by SMTP_URL, or, without one, an .eml file in
instance/outbox/ so that a newcomer running `make run` sees exactly what would be sent."""

import contextlib
import os
import smtplib
import ssl
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from flask import Flask

# The scheme says how the connection is protected; a plain smtp:// never upgrades silently.
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class Connection(Protocol):
    def send(self, message: EmailMessage) -> None: ...


class Transport(Protocol):
    def open(self) -> contextlib.AbstractContextManager[Connection]: ...


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None

    @classmethod
    def from_url(cls, url: str) -> "SmtpSettings":
        """Read SMTP_URL. Its errors never repeat the URL, which may hold a password."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise ValueError("SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise ValueError("SMTP_URL has a port that is not a number") from None
        if not parts.hostname:
            raise ValueError("SMTP_URL names no host")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if not (username or "").isascii() or not (password or "").isascii():
            raise ValueError("SMTP_URL's user and password must be ASCII (as SMTP logins are)")
        return cls(parts.scheme, parts.hostname, port, username, password)


class SmtpTransport:
    """One connection per batch of messages, TLS certificates always checked."""

    def __init__(self, settings: SmtpSettings, *, ca_file: str, timeout: float) -> None:
        self.settings, self.timeout = settings, timeout
        self.tls = ssl.create_default_context(cafile=ca_file or None)

    @contextlib.contextmanager
    def open(self) -> Iterator[Connection]:
        s = self.settings
        server: smtplib.SMTP
        if s.scheme == "smtps":
            server = smtplib.SMTP_SSL(s.host, s.port, timeout=self.timeout, context=self.tls)
        else:
            server = smtplib.SMTP(s.host, s.port, timeout=self.timeout)
        try:
            if s.scheme == "smtp+starttls":
                server.starttls(context=self.tls)
            if s.username is not None:
                server.login(s.username, s.password or "")
            yield _SmtpConnection(server)
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                server.quit()


@dataclass
class _SmtpConnection:
    server: smtplib.SMTP

    def send(self, message: EmailMessage) -> None:
        self.server.send_message(message)


class FileTransport:
    """Each message becomes instance/outbox/<time>-<id>.eml, readable by its owner alone."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextlib.contextmanager
    def open(self) -> Iterator[Connection]:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        yield _FileConnection(self.folder)


@dataclass
class _FileConnection:
    folder: Path

    def send(self, message: EmailMessage) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        name = f"{stamp}-{message['X-Keyfob-Mail-Id']}.eml"
        descriptor, temporary = tempfile.mkstemp(dir=self.folder, prefix=".mail-")
        with os.fdopen(descriptor, "wb") as handle:  # mkstemp: mode 0600
            handle.write(message.as_bytes())
        os.replace(temporary, self.folder / name)  # a reader never sees half a message


def from_config(app: Flask) -> Transport:
    url = app.config["SMTP_URL"]
    if not url:
        return FileTransport(Path(app.instance_path) / "outbox")
    return SmtpTransport(
        SmtpSettings.from_url(url),
        ca_file=app.config["SMTP_CA_FILE"],
        timeout=app.config["SMTP_TIMEOUT_SECONDS"],
    )
