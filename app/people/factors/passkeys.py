"""Passkeys (WebAuthn): registering a person's named passkeys, and taking a browser's
answer (an assertion) as a second factor. The ceremonies' checks are the maintained
`webauthn` library's; the browser side is its own ``navigator.credentials``
(app/static/passkeys.js). No web code here.

The relying party is SITE_URL's host (the request's trusted host when SITE_URL is unset, as
for links), and the only origin accepted is the site's. Every challenge handed to a browser
is kept in the database until an answer names it: taking it deletes it, so an answer is
accepted once, on every node, and a copy sent in parallel finds nothing to answer."""

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.core import audit, clock, db, hosts
from app.core.models import Passkey, PasskeyChallenge, User
from app.core.refusals import FieldRefused
from app.notifications import factor_notices
from app.people import identities
from app.people.factors import held, recovery

NAME_MAX = 50
MOST_PER_PERSON = 10
CHALLENGE_SECONDS = 300
OPEN_CHALLENGES_MAX = 5  # per person: a few tabs at once; the oldest gives way
ANSWER_MAX = 64 * 1024  # an attestation with certificates is a few kilobytes


# What a challenge is for: an answer is taken only by the ceremony it was handed out for.
Ceremony = Literal["register", "login", "reauth"]


class PasskeyRefused(Exception):
    """The browser's answer is not a passkey of this person's, for a challenge of theirs
    still open, from this site."""


@dataclass(frozen=True)
class RelyingParty:
    id: str
    origin: str
    name: str


def relying_party() -> RelyingParty:
    site = urlsplit(hosts.site_url())
    name = str(current_app.config["REALM_NAME"])
    return RelyingParty(site.hostname or "localhost", f"{site.scheme}://{site.netloc}", name)


def clean_name(name: str) -> str:
    """A passkey's name under the rules of every name Keyfob shows; FieldRefused("name")."""
    cleaned = name.strip()
    if not cleaned:
        raise FieldRefused("name", _l("Enter a name for the passkey."))
    if len(cleaned) > NAME_MAX:
        raise FieldRefused("name", _l("Use at most 50 characters."))
    try:
        return identities.clean_display_name(cleaned)
    except identities.InvalidIdentity as problem:
        raise FieldRefused("name", problem.message) from None


@db.unit_of_work
def registration_options(session: Session, user: User) -> str:
    """The options for ``navigator.credentials.create()``, as JSON, with a new challenge."""
    party = relying_party()
    options = generate_registration_options(
        rp_id=party.id,
        rp_name=party.name,
        user_id=_user_handle(user),
        user_name=user.email,
        user_display_name=user.full_name,
        challenge=_new_challenge(session, user.id, "register"),
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(held.passkeys(session, user.id)),
    )
    return options_to_json(options)


@db.unit_of_work
def authentication_options(
    session: Session, user: User, ceremony: Literal["login", "reauth"]
) -> str | None:
    """The options for ``navigator.credentials.get()`` naming the person's passkeys, as
    JSON, with a new challenge for ``ceremony``; None when they have no passkey. A passkey
    alone opens the re-authentication window only if it verified its user (a fingerprint,
    face or PIN): for that the browser is asked to require it."""
    keys = held.passkeys(session, user.id)
    if not keys:
        return None
    options = generate_authentication_options(
        rp_id=relying_party().id,
        challenge=_new_challenge(session, user.id, ceremony),
        timeout=CHALLENGE_SECONDS * 1000,
        allow_credentials=_descriptors(keys),
        user_verification=_verification(ceremony),
    )
    return options_to_json(options)


@db.unit_of_work
def register(session: Session, user: User, name: str, answer: str) -> list[str] | None:
    """Keep the passkey the browser's ``answer`` to a registration challenge created, named
    ``name``: audited and told. Returns new recovery codes when it is the person's first
    factor (to be shown once). Raises FieldRefused or PasskeyRefused."""
    name = clean_name(name)
    db.lock_for_write(session, User, [user.id])
    kept = held.passkeys(session, user.id)
    if len(kept) >= MOST_PER_PERSON:
        raise FieldRefused("name", _l("You have ten passkeys already: remove one first."))
    if any(key.name.casefold() == name.casefold() for key in kept):  # one name, one passkey
        raise FieldRefused("name", _l("You have a passkey of that name already."))
    first_factor = not held.enrolled(session, user.id)
    verified = _verified_registration(session, user, _parsed(answer))
    passkey = Passkey(
        user_id=user.id,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    session.add(passkey)
    session.flush()  # its id, for the link that undoes it
    codes = recovery.replace_all(session, user) if first_factor else None
    audit.record(
        session,
        "passkey_added",
        actor_id=user.id,
        subject_user_id=user.id,
        detail={"passkey_name": name},
    )
    factor_notices.passkey_added(session, user, passkey_id=passkey.id, name=name)
    return codes


@db.unit_of_work
def take_answer(
    session: Session, user: User, answer: str, ceremony: Literal["login", "reauth"]
) -> bool:
    """Whether ``answer`` is an assertion by one of ``user``'s passkeys to a challenge of
    theirs for ``ceremony`` still open (for "reauth", with the user verified). The challenge
    is spent either way (committed), and the passkey's counter and last use recorded."""
    parsed = _parsed_or_none(answer)
    passkey = _passkey_answering(session, user, parsed) if parsed else None
    challenge = _take_challenge(session, user.id, parsed, ceremony) if parsed else None
    if parsed is None or passkey is None or challenge is None:
        return False
    party = relying_party()
    try:
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
            credential_public_key=passkey.public_key,
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=ceremony == "reauth",
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, RecursionError):
        return False
    # Only if no parallel answer moved the counter first (a cloned authenticator's).
    counted = session.execute(
        update(Passkey)
        .where(Passkey.id == passkey.id, Passkey.sign_count == passkey.sign_count)
        .values(sign_count=verified.new_sign_count, last_used_at=clock.now())
    )
    return bool(counted.rowcount)  # type: ignore[attr-defined]


@db.unit_of_work
def remove(session: Session, user: User, passkey_id: int) -> bool:
    """Remove one of ``user``'s passkeys (and the recovery codes with their last factor):
    audited and told. False when they have no such passkey."""
    db.lock_for_write(session, User, [user.id])
    passkey = session.scalar(
        select(Passkey).where(Passkey.id == passkey_id, Passkey.user_id == user.id)
    )
    if passkey is None:
        return False
    name = passkey.name
    session.delete(passkey)
    session.flush()
    if not held.enrolled(session, user.id):
        recovery.remove_all(session, user.id)
    audit.record(
        session,
        "passkey_removed",
        actor_id=user.id,
        subject_user_id=user.id,
        detail={"passkey_name": name},
    )
    factor_notices.passkey_removed(session, user, name=name)
    return True


def remove_all(session: Session, user_id: int) -> None:
    """In the caller's transaction: every passkey of the person, and their open challenges."""
    session.execute(delete(Passkey).where(Passkey.user_id == user_id))
    session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.user_id == user_id))


def _verification(ceremony: Ceremony) -> UserVerificationRequirement:
    if ceremony == "reauth":
        return UserVerificationRequirement.REQUIRED
    return UserVerificationRequirement.PREFERRED


def _verified_registration(session: Session, user: User, parsed: dict[str, Any]) -> Any:
    challenge = _take_challenge(session, user.id, parsed, "register")
    if challenge is None:
        raise PasskeyRefused()
    party = relying_party()
    try:
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=party.id,
            expected_origin=party.origin,
        )
    except (WebAuthnException, ValueError, KeyError, TypeError, RecursionError):
        raise PasskeyRefused() from None
    taken = select(Passkey.id).where(Passkey.credential_id == verified.credential_id)
    if session.scalar(taken) is not None:  # already this person's, or someone else's
        raise PasskeyRefused()
    return verified


def _user_handle(user: User) -> bytes:
    """The account's id to authenticators: stable, and nothing about the person."""
    return b"keyfob-user-" + str(user.id).encode()


def _descriptors(keys: Sequence[Passkey]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=key.credential_id) for key in keys]


def _new_challenge(session: Session, user_id: int, ceremony: Ceremony) -> bytes:
    """A new challenge kept for ``user_id``, and room for it: expired ones go, and beyond
    OPEN_CHALLENGES_MAX the oldest."""
    now = clock.now()
    session.execute(delete(PasskeyChallenge).where(PasskeyChallenge.expires_at <= now))
    kept = select(PasskeyChallenge.id).where(PasskeyChallenge.user_id == user_id)
    newest = kept.order_by(PasskeyChallenge.id.desc()).limit(OPEN_CHALLENGES_MAX - 1)
    session.execute(
        delete(PasskeyChallenge).where(
            PasskeyChallenge.user_id == user_id, PasskeyChallenge.id.not_in(newest)
        )
    )
    challenge = secrets.token_bytes(32)
    expires = now + timedelta(seconds=CHALLENGE_SECONDS)
    session.add(
        PasskeyChallenge(
            user_id=user_id, ceremony=ceremony, challenge=challenge, expires_at=expires
        )
    )
    return challenge


def _take_challenge(
    session: Session, user_id: int, parsed: dict[str, Any], ceremony: Ceremony
) -> bytes | None:
    """The open challenge of ``user_id`` for ``ceremony`` the answer names, deleted (only
    one request can)."""
    challenge = _challenge_named(parsed)
    if challenge is None:
        return None
    taken = session.execute(
        delete(PasskeyChallenge).where(
            PasskeyChallenge.user_id == user_id,
            PasskeyChallenge.ceremony == ceremony,
            PasskeyChallenge.challenge == challenge,
            PasskeyChallenge.expires_at > clock.now(),
        )
    )
    return challenge if taken.rowcount else None  # type: ignore[attr-defined]


def _challenge_named(parsed: dict[str, Any]) -> bytes | None:
    try:
        client_data = json.loads(base64url_to_bytes(parsed["response"]["clientDataJSON"]))
        return base64url_to_bytes(client_data["challenge"])
    except (ValueError, KeyError, TypeError, RecursionError):
        return None


def _passkey_answering(session: Session, user: User, parsed: dict[str, Any]) -> Passkey | None:
    try:
        credential_id = base64url_to_bytes(parsed["rawId"])
    except (ValueError, KeyError, TypeError):
        return None
    query = select(Passkey).where(
        Passkey.user_id == user.id, Passkey.credential_id == credential_id
    )
    return session.scalar(query)


def _parsed(answer: str) -> dict[str, Any]:
    parsed = _parsed_or_none(answer)
    if parsed is None:
        raise PasskeyRefused()
    return parsed


def _parsed_or_none(answer: str) -> dict[str, Any] | None:
    if len(answer) > ANSWER_MAX:
        return None
    try:
        parsed = json.loads(answer)
    except (ValueError, RecursionError):  # deep nesting: RecursionError, not a ValueError
        return None
    return parsed if isinstance(parsed, dict) else None
