"""The background sender: one thread per process, started when a transaction that queued
mail commits, delivering until nothing is left to send and then ending (so an idle process,
or a test, holds no thread and no connection). Mail left by a process that stopped goes
out with the next message any process queues, or with `flask mail send`."""

import logging
import os
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.core import clock
from app.notifications.mail import outbox

log = logging.getLogger("keyfob.mail")
LONGEST_NAP = timedelta(minutes=5)  # re-read the queue at least this often while mail waits
MIN_IDLE_NAP = 1.0  # seconds, after a round that found nothing it could send


class Sender:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def wake(self) -> None:
        """Deliver soon: start the thread if none runs in this process."""
        with self._lock:
            self._wake.set()
            alive = self._thread is not None and self._thread.is_alive()
            if not alive or self._pid != os.getpid():  # none yet, ended, or forked
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="keyfob-mail", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            nap = self._deliver()
            with self._lock:
                if nap is None and not self._wake.is_set():
                    self._thread = None  # a wake() from now on starts a new thread
                    return
            self._wake.wait(timeout=nap or 0)

    def _deliver(self) -> float | None:
        """One round; the seconds until the next is due, None when no mail is waiting."""
        retry = float(self.app.config["MAIL_RETRY_SECONDS"])
        with self.app.app_context():
            session: Session = self.app.extensions["keyfob.sessions"]()
            try:
                delivery = outbox.deliver_due(self.app, session)
            except SQLAlchemyError:  # the database is away: it is where the mail waits
                log.warning("mail delivery paused: the database is unavailable")
                return retry
            except Exception as error:  # a bug must not end delivery for this process
                log.error("mail delivery failed (%s); trying again later", type(error).__name__)
                return retry
            finally:
                session.close()
        if delivery.next_due is None:
            return None
        wait = min(delivery.next_due - clock.now(), LONGEST_NAP).total_seconds()
        if delivery.sent == delivery.failed == 0:  # nothing was ours to send: never spin
            wait = max(wait, MIN_IDLE_NAP)
        return max(wait, 0.0)


def init_app(app: Flask) -> None:
    """Wake the sender after every commit that queued mail (MAIL_DELIVERY=background)."""
    sender = Sender(app)
    app.extensions["keyfob.mail"] = sender
    sessions: sessionmaker[Session] = app.extensions["keyfob.sessions"]
    background = app.config["MAIL_DELIVERY"] == "background"
    if app.config["MAIL_DELIVERY"] not in ("background", "command"):
        raise ValueError("MAIL_DELIVERY must be background or command")

    def after_commit(session: Session) -> None:
        if session.info.pop(outbox.QUEUED, False) and background:
            sender.wake()

    def after_rollback(session: Session) -> None:
        session.info.pop(outbox.QUEUED, None)  # the mail went with the transaction

    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)
