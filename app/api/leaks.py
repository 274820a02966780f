"""Reporting leaked keys, without a key of one's own: the public revocation endpoint and
GitHub's secret-scanning partner endpoint. Both only read the report and answer; app/keys/leaks.py
revokes, audits and notifies."""

import json
from collections.abc import Mapping
from functools import partial
from typing import Any, NoReturn

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import after_response
from app.api.responses import ApiError
from app.core import db, limits
from app.core.client_ip import limit_identity
from app.core.headers import no_store
from app.core.i18n import gettext as _
from app.keys import decoys, leaks, secret_scanning


@bp.post("/keys/revoke")
def revoke_reported_keys() -> Response:
    """Revoke whatever working keys a report holds. The answer is the same whatever they
    were (live, dead, not keys at all), so the endpoint tells no one which keys work."""
    guard, client = limits.leak_reports(), limit_identity()
    if not guard.take(client):  # counted first: every report, whatever it holds
        raise limits.TooManyAttempts("leak-reports", guard.retry_after(client))
    keys, source = _public_report()
    reported = dict.fromkeys(keys, source)
    _tell_of_decoys(leaks.report(db.session(), reported, reporter="public"), reported, "public")
    answer = jsonify(result="success", msg="")
    answer.status_code = 202
    return no_store(answer)


@bp.post("/secret_scanning/github")
def github_report() -> Response:
    """GitHub's partner program: a signed JSON array of matches; each is answered
    true_positive (a key Keyfob issued: revoked now if it still worked) or false_positive."""
    github = secret_scanning.github_keys()
    if not github.enabled:
        raise ApiError(404, _("Endpoint does not exist"))
    key_id = request.headers.get("Github-Public-Key-Identifier", "")
    signature = request.headers.get("Github-Public-Key-Signature", "")
    if not key_id or not signature:
        raise ApiError(401, _("The report is not signed"))
    body = request.get_data(cache=True)
    try:
        github.verify(key_id, signature, body)
    except secret_scanning.BadSignature:
        message = _("The signature does not match a key GitHub publishes")
        raise ApiError(403, message, code="INVALID_SIGNATURE") from None
    matches = _github_matches(body)
    sources = {token: leaks.clean_source(url) for token, _type, url in matches}
    outcomes = leaks.report(db.session(), sources, reporter="github")
    _tell_of_decoys(outcomes, sources, "github")
    labels = [
        {
            "token_raw": token,
            "token_type": token_type,
            "label": "true_positive" if outcomes[token.strip()].issued else "false_positive",
        }
        for token, token_type, _url in matches
    ]
    return no_store(jsonify(labels))


def _tell_of_decoys(
    outcomes: dict[str, leaks.Outcome], sources: Mapping[str, str | None], reporter: str
) -> None:
    """Have the decoys among a report told of once the answer has gone, so that its time
    says no more than its body does."""
    found = {key.strip(): source for key, source in sources.items()}
    planted = {
        key: found[key] for key, outcome in outcomes.items() if outcome is leaks.Outcome.DECOY
    }
    if planted:
        after_response(partial(decoys.reported, planted, reporter=reporter))


def _public_report() -> tuple[list[str], str | None]:
    """The keys and source of a report: JSON ({"keys": [...], "source": "..."}, GitHub's
    {"credentials": [...]}, a bare array), form fields (keys=…&keys=…&source=…), or plain
    text with one key per line."""
    body = request.get_data(cache=True)
    if request.mimetype == "text/plain":
        return _listed(body.decode("utf-8", "replace").split(), "keys"), None
    if request.mimetype == "application/json" or body.lstrip()[:1] in (b"{", b"["):
        return _from_json(body)
    keys = request.form.getlist("keys") or request.form.getlist("key")
    if not keys:
        _missing("keys")
    return _listed(keys, "keys"), _source(request.form.get("source"))


def _from_json(body: bytes) -> tuple[list[str], str | None]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than json goes
        raise ApiError(400, _("Malformed JSON")) from None
    if isinstance(data, list):
        return _listed(data, "keys"), None
    if not isinstance(data, dict):
        raise ApiError(400, _("Malformed JSON: send an object with 'keys', or an array"))
    for name in ("keys", "credentials", "key"):
        if name in data:
            value = data[name]
            return _listed([value] if isinstance(value, str) else value, name), _source(
                data.get("source")
            )
    _missing("keys")


def _listed(value: Any, name: str) -> list[str]:
    """A list of at most MAX_KEYS_PER_REPORT strings; a 400 naming ``name`` otherwise."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ApiError(400, _("'%(name)s' must be a list of strings", name=name), var_name=name)
    if len(value) > leaks.MAX_KEYS_PER_REPORT:
        message = _("Report at most %(count)d keys at a time", count=leaks.MAX_KEYS_PER_REPORT)
        raise ApiError(400, message, var_name=name)
    return value


def _source(value: Any) -> str | None:
    if value is None or value == "":
        return None
    cleaned = leaks.clean_source(value) if isinstance(value, str) else None
    if cleaned is None:
        message = _("'source' must be an http or https URL of at most 1000 characters")
        raise ApiError(400, message, var_name="source")
    return cleaned


def _missing(name: str) -> NoReturn:
    message = _("Missing '%(name)s' argument", name=name)
    raise ApiError(400, message, code="REQUEST_VARIABLE_MISSING", var_name=name)


def _github_matches(body: bytes) -> list[tuple[str, str, str]]:
    """(token, type, url) of each match in GitHub's array; a 400 for anything else."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise ApiError(400, _("Malformed JSON")) from None
    if not isinstance(data, list) or not all(_is_match(item) for item in data):
        raise ApiError(400, _("Malformed JSON: expected GitHub's array of matches"))
    return [(item["token"], item["type"], item.get("url") or "") for item in data]


def _is_match(item: Any) -> bool:
    return (
        isinstance(item, dict)
        and isinstance(item.get("token"), str)
        and isinstance(item.get("type"), str)
        and isinstance(item.get("url", ""), str | None)
    )
