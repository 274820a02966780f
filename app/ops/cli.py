"""`flask users create | deactivate | reactivate | set-role`, `flask keys revoke-all |
notify-expiring | prune | rotate-encryption-key | rotate-pepper` and `flask audit prune` for
administrators."""

import sys
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core import db
from app.core.models import User
from app.keys import revocation, secret_rotation, staleness
from app.keys.call_counts import MAX_RETENTION_DAYS
from app.keys.store import keystore
from app.notifications import expiry
from app.ops import retention
from app.ops.mail_cli import mail_cli
from app.people import accounts, roles

DEAD_KEY_DAYS = 30  # how long a dead key's row stays, for the record, by default


@click.group("users", cls=AppGroup)
def users_cli() -> None:
    """Manage user accounts."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option(
    "--role",
    type=click.Choice(list(roles.BY_NAME)),
    default=None,
    help="owner, admin or member (default: owner for the first person, member after).",
)
def create_command(email: str, full_name: str, password_stdin: bool, role: str | None) -> None:
    """Create a human user (prompts for the password), under the registration rules."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        chosen = roles.BY_NAME[role] if role is not None else None
        user = accounts.register(db.session(), email, full_name, password, role=chosen)
    except accounts.InvalidRegistration as problem:
        label = {"email": "Email", "full_name": "Full name", "password": "Password"}[problem.field]
        raise click.ClickException(f"{label}: {problem.message}") from None
    click.echo(f"Created user {user.id} <{user.email}>.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Deactivate a human user and all their bots: every key of theirs stops working."""
    user = _human_or_fail(email)
    try:
        stopped = accounts.deactivate(db.session(), user, actor_id=None)
    except roles.RoleRefused as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"Deactivated {user.email} and {len(stopped)} of their bots.")


@users_cli.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Reactivate a human user; their bots stay inactive until the owner revives them."""
    user = _human_or_fail(email)
    accounts.reactivate(db.session(), user, actor_id=None)
    click.echo(f"Reactivated {user.email}. Their bots stay inactive; they can reactivate them.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(list(roles.BY_NAME)))
def set_role_command(email: str, role: str) -> None:
    """Make a person an owner, an administrator (admin) or a member."""
    user = _human_or_fail(email)
    try:
        changed = roles.set_role(db.session(), user, roles.BY_NAME[role], actor_id=None)
    except roles.RoleRefused as refused:
        raise click.ClickException(refused.message) from None
    click.echo(f"{user.email} is {'now' if changed else 'already'} {role}.")


@click.group("keys", cls=AppGroup)
def keys_cli() -> None:
    """Manage API keys."""


@keys_cli.command("revoke-all")
@click.argument("email")
def revoke_all_command(email: str) -> None:
    """Revoke every key of a human user and their bots (new primary keys replace them) and
    sign them out everywhere."""
    user = _human_or_fail(email)
    bot_count = revocation.revoke_all(db.session(), user, actor_id=None)
    click.echo(
        f"Revoked every key of {user.email} and {bot_count} of their bots; "
        "new keys replace them, and every login session has ended."
    )


@keys_cli.command("notify-expiring")
def notify_expiring_command() -> None:
    """Email the owners of keys that expire within 7, 3 or 1 days (run it daily; each
    notice goes once). The mail is queued: `flask mail send` or the app's sender sends it."""
    told = expiry.notify_expiring(db.session())
    click.echo(f"{told} keys reached a notice threshold; their owners' notices are queued.")


@keys_cli.command("notify-stale")
def notify_stale_command() -> None:
    """Tell the owners of keys unused for the organization's stale_key_days (once a key),
    and expire stale named keys as its stale_key_expiry_days says (run it daily)."""
    told, expired = staleness.notify_stale(db.session())
    click.echo(f"{told} keys went stale; their owners' notices are queued. {expired} expired.")


@keys_cli.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=0),
    default=DEAD_KEY_DAYS,
    show_default=True,
    help="Days since a key stopped working (revoked, or its overlap ended).",
)
def prune_keys_command(days: int) -> None:
    """Delete keys that stopped working more than DAYS ago, in batches."""
    removed = retention.prune_dead_keys(db.session(), timedelta(days=days))
    click.echo(f"Deleted {removed} keys that stopped working more than {days} days ago.")


@keys_cli.command("prune-usage")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1, max=MAX_RETENTION_DAYS),
    default=None,
    help="Days of usage to keep (default: the USAGE_RETENTION_DAYS setting).",
)
def prune_usage_command(days: int | None) -> None:
    """Delete per-key usage counts of days older than DAYS (run it daily)."""
    keep = days if days is not None else int(current_app.config["USAGE_RETENTION_DAYS"])
    removed = retention.prune_usage(db.session(), timedelta(days=keep))
    click.echo(f"Deleted {removed} usage counts older than {keep} days.")


@click.group("audit", cls=AppGroup)
def audit_cli() -> None:
    """Manage the audit log."""


@audit_cli.command("prune")
@click.option(
    "--older-than",
    "days",
    type=click.IntRange(min=1),
    default=None,
    help="Days to keep (default: the AUDIT_RETENTION_DAYS setting).",
)
def prune_audit_command(days: int | None) -> None:
    """Delete audit events older than DAYS, in batches."""
    keep = days if days is not None else int(current_app.config["AUDIT_RETENTION_DAYS"])
    removed = retention.prune_audit(db.session(), timedelta(days=keep))
    click.echo(f"Deleted {removed} audit events older than {keep} days.")


@keys_cli.command("rotate-encryption-key")
@click.option("--check", is_flag=True, help="Only count the keys an older key still encrypts.")
def rotate_encryption_key_command(check: bool) -> None:
    """Re-encrypt every stored key, and every authenticator app's secret, under the first of
    KEY_ENCRYPTION_KEYS (resumable: run it again after a crash). With --check, write
    nothing and fail if any still needs an older encryption key."""
    progress = secret_rotation.reencrypt(
        db.session(), keystore(), check=check, on_batch=_progress_printer(check)
    )
    secrets = secret_rotation.reencrypt_factor_secrets(db.session(), keystore(), check=check)
    click.echo(
        f"{secrets.total} authenticator app secrets: {secrets.rewritten}"
        f" {'need rewriting' if check else 'rewritten'}, {secrets.current} already current,"
        f" {len(secrets.failed)} unreadable"
    )
    if secrets.failed:
        raise click.ClickException(
            f"{len(secrets.failed)} authenticator app secrets cannot be read with the"
            " configured secrets; they were left as they were."
        )
    if check and secrets.rewritten:
        raise click.ClickException(
            f"{secrets.rewritten} authenticator app secrets are still encrypted with an older"
            " key: keep it in KEY_ENCRYPTION_KEYS."
        )
    _finish(progress, check, "encrypted with an older key", "KEY_ENCRYPTION_KEYS")


@keys_cli.command("rotate-pepper")
@click.option("--check", is_flag=True, help="Only count the keys still under the old pepper.")
def rotate_pepper_command(check: bool) -> None:
    """Recompute every key's digest under KEY_PEPPER from KEY_PEPPER_PREVIOUS (resumable:
    run it again after a crash). With --check, write nothing and fail if any digest is
    still under the previous pepper."""
    try:
        progress = secret_rotation.repepper(
            db.session(), keystore(), check=check, on_batch=_progress_printer(check)
        )
    except secret_rotation.RotationRefused as refused:
        raise click.ClickException(str(refused)) from None
    _finish(progress, check, "under the previous pepper", "KEY_PEPPER_PREVIOUS")


def _progress_printer(check: bool) -> secret_rotation.OnBatch:
    verb = "need rewriting" if check else "rewritten"

    def show(progress: secret_rotation.Progress) -> None:
        unmatched = len(progress.unmatched)
        click.echo(
            f"{progress.seen} of {progress.total} keys: {progress.rewritten} {verb},"
            f" {progress.current} already current, {len(progress.failed)} unreadable"
            + (f", {unmatched} under neither pepper" if unmatched else "")
        )

    return show


def _finish(progress: secret_rotation.Progress, check: bool, old: str, setting: str) -> None:
    """The verdict: ids (never key text) of unreadable rows, and whether the old secret may
    go. A failure exits non-zero, so scripts can gate the removal on it."""
    if progress.failed:
        shown = ", ".join(str(key_id) for key_id in progress.failed[:20])
        raise click.ClickException(
            f"{len(progress.failed)} keys cannot be read with the configured secrets"
            f" (ids {shown}); they were left as they were."
        )
    if not check:
        click.echo(
            f"Done: {progress.rewritten} keys rewritten. Run it again with --check before"
            f" removing the old secret from {setting}."
        )
    elif progress.rewritten:
        raise click.ClickException(
            f"{progress.rewritten} keys are still {old}: keep it in {setting}."
        )
    else:
        click.echo(f"Every key is current: the old secret can be removed from {setting}.")


def _human_or_fail(email: str) -> User:
    user = accounts.find_human(db.session(), email)
    if user is None:
        raise click.ClickException(f"No human user has the email {email}.")
    return user


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(mail_cli)
