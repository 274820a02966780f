"""The tables: users (humans and bots), their API keys and tokens, their second factors, the
audit log, the mail queue, the organization's policies and the bots offered from one person
to another."""

from datetime import UTC, date, datetime
from typing import Any, Protocol

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ColumnElement,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# The largest id an integer primary key holds (PostgreSQL's integer; SQLite's is larger).
MAX_ID = 2**31 - 1


def storable_id(value: int) -> bool:
    """Whether ``value`` could be a row's id: a number past MAX_ID would make the database
    raise instead of finding nothing, so every lookup by a client's id asks this first."""
    return 0 < value <= MAX_ID


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and always read back as an aware UTC datetime."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def as_utc(value: datetime | str) -> datetime:
    """A stored timestamp (a datetime, or SQLite's text form) as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Holder(Protocol):
    """Whatever names a user or bot that holds keys: its User row, or the Principal that an
    API request authenticated as (so a view need not load the row again)."""

    @property
    def id(self) -> int: ...
    @property
    def is_bot(self) -> bool: ...
    @property
    def bot_owner_id(self) -> int | None: ...


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map = {datetime: UTCDateTime}  # noqa: RUF012


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(is_bot AND bot_owner_id IS NOT NULL AND password_hash IS NULL)"
            " OR (NOT is_bot AND bot_owner_id IS NULL)",
            name="bot_has_owner",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_bot: Mapped[bool] = mapped_column(default=False)
    bot_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped at logout: a login session names the generation it began in, so a copy of
    # the (client-side) session cookie dies with the session it came from.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # The saved page language (en, zh_Hans), or None to follow the browser.
    language: Mapped[str | None] = mapped_column(String(16))
    # Whether to email this person about their own routine actions (a key created, shown or
    # regenerated); notices of a leak or of a coming expiry are sent regardless.
    routine_notices: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Zulip's role numbers (app/people/roles.py): owner 100, administrator 200, member 400.
    role: Mapped[int] = mapped_column(default=400, server_default="400")
    # A bot's type (app/bots/types.py): generic 1, incoming webhook 2; None for a person.
    bot_type: Mapped[int | None]

    bot_owner: Mapped["User | None"] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class ApiKey(Base):
    """A key of a user or bot. The primary key (no name) is the one Zulip's flows show and
    regenerate; named keys sit beside it. A primary key rolled with an overlap is
    ``superseded`` and keeps working until ``expires_at``."""

    __tablename__ = "api_keys"
    __table_args__ = (
        # One current primary key per user, held by the database itself.
        Index(
            "uq_api_keys_one_primary_per_user",
            "user_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND name IS NULL AND superseded_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL AND name IS NULL AND superseded_at IS NULL"),
        ),
        # A name tells the owner's live keys apart.
        Index(
            "uq_api_keys_live_name_per_user",
            "user_id",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL AND name IS NOT NULL"),
            postgresql_where=text("revoked_at IS NULL AND name IS NOT NULL"),
        ),
        CheckConstraint("name IS NULL OR superseded_at IS NULL", name="named_keys_do_not_roll"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    ciphertext: Mapped[str] = mapped_column(String(255))
    hint: Mapped[str] = mapped_column(String(4))
    name: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    superseded_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    last_used_user_agent: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[datetime | None]
    # The fewest days-before-expiry its owner has been told of (7, 3, 1), so each is sent once.
    expiry_notice_days: Mapped[int | None]
    # What the key may do, space-separated (app/keys/scopes.py); NULL: all its kind may.
    scopes: Mapped[str | None] = mapped_column(Text)
    # Where it may be used from, space-separated CIDRs (app/keys/networks.py); NULL: anywhere.
    allowed_networks: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime | None]  # a paused key is refused until it is resumed
    # A decoy never works and tells on whoever uses it (app/keys/decoys.py); set when the
    # key is made, never changed.
    decoy: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Requests a minute it may make (app/keys/budgets.py); NULL: no budget.
    rate_limit_per_minute: Mapped[int | None]
    # When its owner was last told it is stale (app/keys/staleness.py): told again only
    # after it has been used since.
    stale_notice_at: Mapped[datetime | None]
    # When that notice said it expires if it stays unused (the organization's policy then);
    # NULL: the notice promised no expiry, and none comes of it.
    stale_expires_at: Mapped[datetime | None]

    @classmethod
    def is_primary(cls) -> ColumnElement[bool]:
        """The holder's current primary key: live, unnamed and not replaced (the condition of
        uq_api_keys_one_primary_per_user, so there is one at most)."""
        return cls.revoked_at.is_(None) & cls.name.is_(None) & cls.superseded_at.is_(None)

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} of user {self.user_id}>"


class ApiToken(Base):
    """A short-lived token minted from a key (app/keys/tokens.py): it works only while that
    key does, with at most its scopes and from its networks, and dies on its own. Kept as a
    digest only: a token is shown once, when it is minted, and never again."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    hint: Mapped[str] = mapped_column(String(4))
    scopes: Mapped[str] = mapped_column(Text)  # space-separated, never NULL: always chosen
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    last_used_user_agent: Mapped[str | None] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} of key {self.key_id}>"


class TotpFactor(Base):
    """A person's authenticator app (app/people/factors/totp.py): the secret it shares,
    encrypted as keys are (KEY_ENCRYPTION_KEYS), and the last time step a code was accepted
    in, so that no code is accepted twice. It counts only once a first code has proved
    that the app holds the secret (``confirmed_at``)."""

    __tablename__ = "totp_factors"
    # Ids never reused (SQLite would reuse a deleted highest one): "This wasn't me" links
    # and remembered browsers name a factor by its id (migration 0017).
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    secret_ciphertext: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None] = mapped_column(BigInteger)

    def __repr__(self) -> str:
        return f"<TotpFactor of user {self.user_id}>"


class RecoveryCode(Base):
    """One of a person's single-use recovery codes, hashed as passwords are (argon2)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} of user {self.user_id}>"


class Passkey(Base):
    """One of a person's passkeys (WebAuthn, app/people/factors/passkeys.py): the name they
    gave it, the credential's id and public key as the authenticator gave them at
    registration, and the signature counter it reported last."""

    __tablename__ = "passkeys"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012  (as totp_factors)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Passkey {self.id} of user {self.user_id}>"


class PasskeyChallenge(Base):
    """A challenge handed to a browser for a passkey ceremony, kept until it is answered
    (then deleted, so an answer is taken once on every node) or until it expires."""

    __tablename__ = "passkey_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    ceremony: Mapped[str] = mapped_column(String(16))  # register, login or reauth
    challenge: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)
    expires_at: Mapped[datetime]


class AuthEpoch(Base):
    """One row whose value database triggers raise with every committed change that can
    change what a key authenticates as (migration 0007): the API's cache of verified keys
    (app/keys/verified.py) is good only while the value it was filled at is still the value."""

    __tablename__ = "auth_epoch"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)


class KeyRotation(Base):
    """A regeneration made with an Idempotency-Key: a repeat of the same request (same
    caller, same key, within a day) answers with the key it made, rolling nothing again."""

    __tablename__ = "key_rotations"
    __table_args__ = (
        Index("uq_key_rotations_actor_request", "actor_id", "request_digest", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    request_digest: Mapped[str] = mapped_column(String(64))
    subject_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    grace_seconds: Mapped[int]
    new_key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyUsage(Base):
    """How a key was called on one day (UTC), counted in each process and added here in
    batches (app/keys/call_counts.py). ``facet`` says what ``name`` is: an outcome
    ("accepted", or why the call was refused), a client network, a route called, the scope
    an accepted call needed, or one of the key's tokens (its id). No foreign key: the counts
    of a key go with it when it is deleted (app/ops/retention.py), and with their day."""

    __tablename__ = "key_usage"
    __table_args__ = (Index("ix_key_usage_day", "day"),)

    key_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    facet: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject_created", "subject_user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_type: Mapped[str] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    subject: Mapped["User | None"] = relationship(foreign_keys=[subject_user_id])
    actor: Mapped["User | None"] = relationship(foreign_keys=[actor_id])


class SeenAddress(Base):
    """An IP address a user's key was shown or downloaded from: a reveal from any other is
    worth an email."""

    __tablename__ = "seen_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    address: Mapped[str] = mapped_column(String(45), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class SeenNetwork(Base):
    """A network (an IPv4 /24, an IPv6 /48) one of a person's keys, or their bots', was used
    or shown from: the first use of a key from any other is worth an email."""

    __tablename__ = "seen_networks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    network: Mapped[str] = mapped_column(String(43), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboundMail(Base):
    """A message queued in the same transaction as the event it tells of, and delivered after
    the commit (app/mail). Rendered when queued, in the recipient's language; never a key."""

    __tablename__ = "outbound_mail"
    __table_args__ = (
        # What the sender looks for: undelivered messages, soonest first.
        Index(
            "ix_outbound_mail_pending",
            "next_attempt_at",
            sqlite_where=text("sent_at IS NULL AND gave_up_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND gave_up_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A sender holds a message until then; one that died holding it frees it by waiting.
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    gave_up_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(255))
    # A notice its recipient did not cause (app/notifications/notices.py limits those per hour).
    unsolicited: Mapped[bool] = mapped_column(default=False, server_default="0")


class BotTransferOffer(Base):
    """A bot its owner offered to another person (app/bots/offers.py). The bot stays the
    owner's, and counts against nobody else, until that person accepts; the offer lapses at
    ``expires_at``, when the owner withdraws it or the person declines it, and whenever the
    bot changes hands some other way. One pending offer per bot: the bot is the key."""

    __tablename__ = "bot_transfer_offers"

    bot_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # The owner who made it: the offer holds only while the bot is still theirs.
    from_owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class OrganizationPolicy(Base):
    """One policy an administrator set in the console (app/organization/policies.py); a
    policy with no row follows the configuration file."""

    __tablename__ = "organization_policies"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
