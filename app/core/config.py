"""Configuration: defaults, then instance/config.toml, then KEYFOB_* variables, then test_config.

Secrets that nobody supplied are generated once into instance/secrets.toml (mode 0600).
"""

import contextlib
import os
import secrets
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from cryptography.fernet import Fernet

# The checkout: where templates/, migrations/ and instance/ sit beside app/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_PREFIX = "KEYFOB_"
# Read by create_app, gunicorn.conf.py (KEYFOB_SERVE_*) and the test suite themselves, not
# settings of the app.
ENV_NOT_SETTINGS = ("KEYFOB_INSTANCE_PATH", "KEYFOB_SERVE_", "KEYFOB_TEST_")
SECRET_NAMES = ("SECRET_KEY", "KEY_PEPPER", "KEY_ENCRYPTION_KEYS")


def defaults(instance_path: str) -> dict[str, Any]:
    """Built-in settings: the lowest priority."""
    return {
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "keyfob.sqlite3"),
        "SECRET_KEY": "",
        "KEY_PEPPER": "",
        "KEY_ENCRYPTION_KEYS": [],
        # The pepper before KEY_PEPPER, only while `flask keys rotate-pepper` runs: keys
        # verify under either (docs/admin/secrets-rotation.md). A secret: never generated.
        "KEY_PEPPER_PREVIOUS": "",
        "SITE_URL": "",
        "REALM_NAME": "Keyfob",  # what Zulip clients show as the organization's name
        # Hosts a request may name, each on the port it names, else on the scheme's default
        # port (SITE_URL's is added); any other gets 400 (app/core/hosts.py). By default the
        # loopback names on port 80 or 443, which only root may listen on, and on 5000, where
        # `make run` serves: never a port anyone on the machine could open.
        "TRUSTED_HOSTS": [
            "localhost",
            "127.0.0.1",
            "::1",
            "localhost:5000",
            "127.0.0.1:5000",
            "[::1]:5000",
        ],
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_STRATEGY": "moving-window",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "keyfob",
        "PASSWORD_LIMIT_PER_ACCOUNT_AND_IP": "5 per 30 minutes",
        "PASSWORD_LIMIT_PER_ACCOUNT": "50 per hour",
        "PASSWORD_LIMIT_PER_IP": "30 per 30 minutes",
        "KNOWN_DEVICE_DAYS": 180,
        "REGISTRATION_OPEN": True,
        "REAUTH_WINDOW_SECONDS": 300,
        "PROXY_FIX": False,
        "BOT_EMAIL_DOMAIN": "",
        "MAX_BOTS_PER_USER": 100,
        # Who may create bots: everyone or admins_only. This and the four other policies
        # (bots per user, key lifetime, registration, second factor) are defaults an
        # administrator can change in the console (app/organization/policies.py).
        "BOT_CREATION_POLICY": "everyone",
        # Who must have a second factor: nobody, administrators, or key_makers (everyone
        # who creates keys or bots).
        "SECOND_FACTOR_REQUIRED": "nobody",
        "AUDIT_RETENTION_DAYS": 365,  # what `flask audit prune` keeps, and the log says
        "MAX_NAMED_KEYS": 5,  # per user and per bot, beside the primary key
        "MAX_DECOY_KEYS": 10,  # per user and per bot (app/keys/decoys.py)
        # Short-lived tokens (app/keys/tokens.py): the longest lifetime one may ask, and how
        # many unexpired ones a key may have minted at once.
        "TOKEN_MAX_TTL_SECONDS": 3600,
        "MAX_TOKENS_PER_KEY": 100,
        # The forward-auth check's route policy, in the instance folder; when there is no
        # such file, the one shipped for Zulip's API (app/keys/route_policy.py).
        "ROUTE_POLICY_FILE": "route_policy.toml",
        # The chat platform's scopes a named key may be given, beside Keyfob's own
        # (app/keys/scopes.py); a gateway in front of the platform enforces them.
        "PLATFORM_SCOPES": [
            "messages:read",
            "messages:write",
            "streams:read",
            "streams:write",
            "events:read",
            "reactions:write",
            "uploads:write",
        ],
        "MAX_KEY_LIFETIME_DAYS": 0,  # 0: no cap; named keys may never expire
        # A key unused this many days is stale (app/keys/staleness.py); a stale named key
        # expires STALE_KEY_EXPIRY_DAYS after its owner was told (0: never). Both policies.
        "STALE_KEY_DAYS": 90,
        "STALE_KEY_EXPIRY_DAYS": 0,
        "MAX_ROLL_GRACE_SECONDS": 7 * 24 * 3600,  # the longest overlap a regeneration may ask
        "ARGON2_TIME_COST": 3,
        "ARGON2_MEMORY_COST_KIB": 65536,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "REGISTRATION_LIMIT_PER_IP": "10 per hour",
        # Password-reset emails asked for (every request counts, account or not).
        "PASSWORD_RESET_LIMIT_PER_IP": "10 per hour",
        "PASSWORD_RESET_LIMIT_PER_ADDRESS": "3 per hour",
        "KEY_GUESS_LIMIT_PER_IP": "100 per minute",
        # Verified keys each process keeps while nothing that authenticates changes
        # (app/keys/verified.py); 0 looks every key up in the database.
        "VERIFIED_KEY_CACHE_SIZE": 10_000,
        # Last uses of keys wait this long in each process to be written together
        # (app/keys/last_use.py); a process killed without exiting loses at most these.
        # 0: each is written on the request that notes it.
        "LAST_USE_WRITE_SECONDS": 5,
        # Calls counted per key wait this long in each process to be written together
        # (app/keys/call_counts.py); a process killed without exiting loses at most these.
        # 0: each call is written on its request.
        "USAGE_WRITE_SECONDS": 10,
        "USAGE_RETENTION_DAYS": 400,  # days of per-key usage `flask keys prune-usage` keeps
        # POST /api/v1/keys/revoke: reports from one client IP, whatever they hold.
        "LEAK_REPORT_LIMIT_PER_IP": "60 per hour",
        # A JSON file as https://api.github.com/meta/public_keys/secret_scanning serves it:
        # the keys GitHub signs its secret-scanning reports with. Unset: that endpoint is off.
        "GITHUB_SECRET_SCANNING_KEYS_FILE": "",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        # GET /metrics: off unless enabled, and then only for a bearer of the token.
        "METRICS_ENABLED": False,
        "METRICS_TOKEN": "",
        "READINESS_TIMEOUT_SECONDS": 2,  # GET /readyz: the longest each dependency may take
        # Outbound mail (app/notifications/mail, docs/admin/email.md). Without SMTP_URL each
        # message is written to instance/outbox/ as an .eml file instead. SMTP_URL may hold a
        # password.
        "SMTP_URL": "",  # smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]
        "SMTP_CA_FILE": "",  # trust this CA file instead of the system's (TLS is always checked)
        "SMTP_TIMEOUT_SECONDS": 10,
        "MAIL_FROM": "",  # default: "<REALM_NAME> <noreply@<SITE_URL's host>>"
        "MAIL_DELIVERY": "background",  # or "command": only `flask mail send` delivers
        "MAIL_RETRY_SECONDS": 30,  # the first retry's wait; each later one doubles it
        "MAIL_RETRY_MAX_SECONDS": 3600,
        "MAIL_GIVE_UP_HOURS": 72,
        # Notices one person may get in an hour of what others did
        # (app/notifications/notices.py): past it, one says more are held back, then none
        # until the hour has passed. 0: no limit.
        "NOTICES_FROM_OTHERS_PER_HOUR": 10,
    }


def instance_folder(test_config: dict[str, Any] | None = None) -> str:
    """The instance folder: INSTANCE_PATH in test_config, KEYFOB_INSTANCE_PATH, else instance/."""
    chosen = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "KEYFOB_INSTANCE_PATH", str(PROJECT_ROOT / "instance")
    )
    return os.path.abspath(chosen)


def supplied(instance_path: str, test_config: dict[str, Any] | None) -> dict[str, Any]:
    """The merged settings as given, before any secret is generated (empty when not given)."""
    settings = defaults(instance_path)
    settings.update(_from_toml(Path(instance_path) / "config.toml", settings))
    settings.update(_from_environment(settings, os.environ))
    settings.update(test_config or {})
    return settings


def load(instance_path: str, test_config: dict[str, Any] | None) -> dict[str, Any]:
    """The merged settings, with any missing secrets filled from the instance secrets file."""
    settings = supplied(instance_path, test_config)
    missing = [name for name in SECRET_NAMES if not settings[name]]
    if missing:
        secrets_path = Path(instance_path) / "secrets.toml"
        stored = load_or_create_secrets(secrets_path)
        for name in missing:
            if name not in stored:
                raise ValueError(f"{secrets_path} has no {name}; set {ENV_PREFIX}{name}")
            settings[name] = stored[name]
    if isinstance(settings["KEY_ENCRYPTION_KEYS"], str):
        settings["KEY_ENCRYPTION_KEYS"] = _split_list(settings["KEY_ENCRYPTION_KEYS"])
    return settings


def _from_toml(path: Path, current: dict[str, Any]) -> dict[str, Any]:
    """Settings from config.toml: known names only, each of its setting's type."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        found = {name.upper(): value for name, value in tomllib.load(handle).items()}
    for name, value in found.items():
        _check_known(name, current, f"{path}: {name.lower()}")
        example = current[name]
        if type(value) is not type(example) and not (isinstance(example, str) and value == ""):
            kind = type(example).__name__
            raise ValueError(f"{path}: {name.lower()} must be a {kind}, not {value!r}")
    return found


def _from_environment(current: dict[str, Any], environ: os._Environ[str]) -> dict[str, Any]:
    """KEYFOB_NAME values, converted to the type of the setting they replace."""
    found: dict[str, Any] = {}
    for variable, raw in environ.items():
        if variable.startswith(ENV_PREFIX) and not variable.startswith(ENV_NOT_SETTINGS):
            name = variable.removeprefix(ENV_PREFIX)
            _check_known(name, current, variable)
            found[name] = _convert(name, raw, current[name])
    return found


def _check_known(name: str, current: dict[str, Any], where: str) -> None:
    """A misspelt setting is an error, not a silently ignored line."""
    if name not in current:
        raise ValueError(f"{where} is not a Keyfob setting (see docs/admin/configuration.md)")


def _convert(name: str, raw: str, example: Any) -> Any:
    if isinstance(example, bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"{ENV_PREFIX}{name} must be true or false")
    if isinstance(example, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name} must be a whole number") from None
    if isinstance(example, list):
        return _split_list(raw)
    return raw


def _split_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def new_secrets() -> dict[str, Any]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "KEY_PEPPER": secrets.token_urlsafe(48),
        "KEY_ENCRYPTION_KEYS": [Fernet.generate_key().decode("ascii")],
    }


def load_or_create_secrets(path: Path) -> dict[str, Any]:
    """Read the secrets file, creating it first if it does not exist yet.

    The file is written in full to a private temporary file and then hard-linked into
    place: the link fails if another process won the race, so every process ends up
    reading the one file that exists, and no process ever reads a half-written one.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                tomli_w.dump(new_secrets(), handle)
                handle.flush()
                os.fsync(handle.fileno())
            with contextlib.suppress(FileExistsError):  # another process won the race
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    with path.open("rb") as handle:
        return tomllib.load(handle)
