"""Several nodes, one truth: two app nodes (separate gunicorn processes with gunicorn.conf.py,
on separate ports) share PostgreSQL, Redis and the secrets, and nothing either one knows is
kept from the other: a key ended through node A fails on node B at the very next request,
guesses count across both, and a login session is one session on both."""

import ipaddress
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest

from app.people import roles
from keyfob_client import keyformat
from tests.conftest import TEST_RATELIMIT_STORAGE_URI, empty_tables, seeder_app
from tests.helpers.gunicorn import environment, free_port, gunicorn_command, running, shared_secrets
from tests.helpers.users import PASSWORD, Account, MakeUser
from tests.helpers.web import KEY_PAGE, csrf_token_in

# Small allowances, counted per day so that no window can end in the middle of a test.
PASSWORD_LIMIT = 4
KEY_GUESS_LIMIT = 6
REDIS_URI = (
    TEST_RATELIMIT_STORAGE_URI
    if TEST_RATELIMIT_STORAGE_URI.startswith("redis://")
    else "redis://127.0.0.1:6379"
)


@dataclass
class Nodes:
    a: str
    b: str
    make_user: MakeUser


def _reachable(uri: str) -> bool:
    parts = urlsplit(uri)
    try:
        socket.create_connection((parts.hostname, parts.port or 6379), timeout=2).close()
    except OSError:
        return False
    return True


@pytest.fixture(scope="module")
def nodes(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Nodes]:
    if not database_url.startswith("postgresql"):
        pytest.skip("two nodes share one PostgreSQL database (KEYFOB_TEST_DATABASE_URL)")
    if not _reachable(REDIS_URI):
        pytest.skip(f"two nodes share one Redis, and {REDIS_URI} does not answer")
    work = tmp_path_factory.mktemp("two-nodes")
    shared = {
        **shared_secrets(),
        "KEYFOB_DATABASE_URL": database_url,
        "KEYFOB_RATELIMIT_STORAGE_URI": REDIS_URI,
        "KEYFOB_RATELIMIT_KEY_PREFIX": "keyfob-test-" + uuid.uuid4().hex,
        "KEYFOB_PASSWORD_LIMIT_PER_ACCOUNT_AND_IP": f"{PASSWORD_LIMIT} per day",
        "KEYFOB_KEY_GUESS_LIMIT_PER_IP": f"{KEY_GUESS_LIMIT} per day",
        # Each test speaks from an address of its own (X-Forwarded-For), so per-IP counts
        # of one test do not spill into the next.
        "KEYFOB_PROXY_FIX": "true",
        "KEYFOB_SERVE_WORKERS": "2",
    }
    # The test's own app writes users to the same database with the same secrets.
    seeder = seeder_app(database_url, work / "seeder", shared)
    ports = free_port(), free_port()
    # Each node has an instance folder of its own: nothing is shared through files.
    env_a, env_b = (
        environment(work / name, {**shared, "KEYFOB_SERVE_BIND": f"127.0.0.1:{port}"})
        for name, port in zip(("a", "b"), ports, strict=True)
    )
    try:
        with (
            running(gunicorn_command(), env_a, ports[0], work / "a.log") as a,
            running(gunicorn_command(), env_b, ports[1], work / "b.log") as b,
        ):
            yield Nodes(a, b, MakeUser(seeder))
    finally:
        empty_tables(seeder)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    """An HTTP client speaking from an IPv6 network no other test uses (per-IP limits count
    an IPv6 address's /64)."""
    bits = uuid.uuid4().hex
    address = f"2001:db8:{bits[:4]}:{bits[4:8]}::1"
    with httpx.Client(headers={"X-Forwarded-For": address}, timeout=30) as http:
        yield http


@pytest.fixture
def account(nodes: Nodes) -> Account:
    return nodes.make_user(f"node-{uuid.uuid4().hex[:12]}@example.com")


def me(client: httpx.Client, node: str, email: str, key: str) -> int:
    return client.get(f"{node}/api/v1/users/me", auth=(email, key)).status_code


def new_key(client: httpx.Client, node: str, account: Account, **data: int) -> str:
    response = client.post(
        f"{node}/api/v1/users/me/api_key/regenerate", auth=(account.email, account.key), data=data
    )
    assert response.status_code == 200, response.text
    return str(response.json()["api_key"])


def test_a_key_regenerated_on_a_is_refused_by_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    assert me(client, nodes.b, account.email, account.key) == 200
    new = new_key(client, nodes.a, account)
    assert me(client, nodes.b, account.email, account.key) == 401
    assert me(client, nodes.b, account.email, new) == 200


def test_a_rolled_key_revoked_on_a_is_refused_by_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    new = new_key(client, nodes.a, account, grace_seconds=3600)
    assert me(client, nodes.b, account.email, account.key) == 200  # in its overlap, on B too
    keys = client.get(f"{nodes.a}/api/v1/users/me/keys", auth=(account.email, new)).json()
    rolled = next(k["id"] for k in keys["keys"] if k["kind"] == "rolled")
    revoked = client.delete(f"{nodes.a}/api/v1/users/me/keys/{rolled}", auth=(account.email, new))
    assert revoked.status_code == 200
    assert me(client, nodes.b, account.email, account.key) == 401


def test_a_network_list_changed_on_a_holds_on_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    owner = (account.email, account.key)
    made = client.post(f"{nodes.a}/api/v1/users/me/keys", auth=owner, json={"name": "CI"}).json()
    key, path = str(made["api_key"]), f"{nodes.a}/api/v1/users/me/keys/{made['id']}"
    assert me(client, nodes.b, account.email, key) == 200  # B keeps it as verified
    elsewhere = {"allowed_networks": ["192.0.2.0/24"]}
    assert client.patch(path, auth=owner, json=elsewhere).status_code == 200
    assert me(client, nodes.b, account.email, key) == 403
    network = ipaddress.ip_network(client.headers["X-Forwarded-For"] + "/64", strict=False)
    here = {"allowed_networks": [str(network)]}
    changed = client.patch(path, auth=owner, json=here)
    assert changed.status_code == 200, changed.text
    assert me(client, nodes.b, account.email, key) == 200


def test_a_bot_deactivated_on_a_is_refused_by_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    owner = (account.email, account.key)
    created = client.post(
        f"{nodes.a}/api/v1/bots", auth=owner, data={"full_name": "Relay", "short_name": "relay"}
    ).json()
    bot_email, bot_key = str(created["email"]), str(created["api_key"])
    assert me(client, nodes.b, bot_email, bot_key) == 200
    deleted = client.delete(f"{nodes.a}/api/v1/bots/{created['user_id']}", auth=owner)
    assert deleted.status_code == 200
    assert me(client, nodes.b, bot_email, bot_key) == 401


def test_a_user_deactivated_through_the_admin_api_on_a_is_refused_by_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    admin = nodes.make_user(f"admin-{uuid.uuid4().hex[:12]}@example.com", role=roles.ADMINISTRATOR)
    assert me(client, nodes.b, account.email, account.key) == 200
    deleted = client.delete(f"{nodes.a}/api/v1/users/{account.id}", auth=(admin.email, admin.key))
    assert deleted.status_code == 200, deleted.text
    assert me(client, nodes.b, account.email, account.key) == 401


def test_a_user_deactivated_by_the_operator_is_refused_by_both_nodes(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    log_in(client, nodes.a, account.email)
    assert me(client, nodes.b, account.email, account.key) == 200
    cli = nodes.make_user.app.test_cli_runner()
    assert cli.invoke(args=["users", "deactivate", account.email]).exit_code == 0
    assert me(client, nodes.a, account.email, account.key) == 401
    assert me(client, nodes.b, account.email, account.key) == 401
    on_b = client.get(nodes.b + KEY_PAGE)
    assert on_b.status_code == 302 and urlsplit(on_b.headers["Location"]).path == "/login"


def test_wrong_passwords_on_both_nodes_share_one_allowance(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    def fetch(node: str, password: str) -> int:
        data = {"username": account.email, "password": password}
        return client.post(f"{node}/api/v1/fetch_api_key", data=data).status_code

    failures = [fetch((nodes.a, nodes.b)[i % 2], "wrong password") for i in range(PASSWORD_LIMIT)]
    assert failures == [401] * PASSWORD_LIMIT
    assert fetch(nodes.a, PASSWORD) == 429
    assert fetch(nodes.b, PASSWORD) == 429


def test_wrong_keys_on_both_nodes_share_one_allowance(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    guesses = [
        me(client, (nodes.a, nodes.b)[i % 2], account.email, keyformat.generate("kfu_"))
        for i in range(KEY_GUESS_LIMIT)
    ]
    assert guesses == [401] * KEY_GUESS_LIMIT
    assert me(client, nodes.a, account.email, keyformat.generate("kfu_")) == 429
    assert me(client, nodes.b, account.email, keyformat.generate("kfu_")) == 429


def log_in(client: httpx.Client, node: str, email: str) -> None:
    token = csrf_token_in(client.get(f"{node}/login").text)
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    assert client.post(f"{node}/login", data=data).status_code == 302


def test_a_session_made_on_a_works_on_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    log_in(client, nodes.a, account.email)
    assert client.get(nodes.b + KEY_PAGE).status_code == 200


def test_logging_out_on_a_ends_the_session_on_b(
    nodes: Nodes, client: httpx.Client, account: Account
) -> None:
    log_in(client, nodes.a, account.email)
    cookie = dict(client.cookies)  # what the browser still holds after logging out
    token = csrf_token_in(client.get(nodes.a + KEY_PAGE).text)
    assert client.post(f"{nodes.a}/logout", data={"csrf_token": token}).status_code == 302
    with httpx.Client(headers=client.headers, cookies=cookie, timeout=30) as replay:
        on_b = replay.get(nodes.b + KEY_PAGE)
    assert on_b.status_code == 302 and urlsplit(on_b.headers["Location"]).path == "/login"
