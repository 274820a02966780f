"""Real HTTP: the app on a loopback port, parallel clients, a browser-like HTTP client."""

import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import httpx
from flask import Flask
from werkzeug.serving import make_server

from tests.helpers.users import PASSWORD
from tests.helpers.web import BOTS, KEY_PAGE, KEY_ZULIPRC, csrf_token_in

T = TypeVar("T")


@contextmanager
def serve(application: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free loopback port, one thread per request."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    # Its own address, port included, as a deployment's KEYFOB_TRUSTED_HOSTS would name it:
    # no other port of a loopback name is served (app/core/hosts.py).
    served = [f"{name}:{server.server_port}" for name in ("127.0.0.1", "localhost")]
    application.config["TRUSTED_HOSTS"].extend(served)  # the API app shares this list
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        for host in served:
            application.config["TRUSTED_HOSTS"].remove(host)


def at_once(count: int, request: Callable[[int], T], timeout: float = 60) -> list[T]:
    """``request(0..count-1)`` in threads released together, as parallel clients; in order."""
    barrier = threading.Barrier(count, timeout=timeout)

    def run(index: int) -> T:
        barrier.wait()
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=timeout))


def browser_logged_in(base_url: str, email: str, password: str = PASSWORD) -> httpx.Client:
    """An HTTP client logged in to the live server through the login form."""
    browser = httpx.Client(base_url=base_url, timeout=30)
    token = csrf_token_in(browser.get("/login").text)
    response = browser.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, "login failed"
    return browser


def own_download(base_url: str, email: str, rc_format: str) -> bytes:
    """The user's zuliprc (``toml`` or ``ini``) from the live server, so its site is that
    server, downloaded as the user would: log in, confirm the password, click the link."""
    browser = browser_logged_in(base_url, email)
    token = csrf_token_in(browser.get(KEY_PAGE).text)
    browser.post(KEY_PAGE, data={"password": PASSWORD, "csrf_token": token})
    response = browser.get(KEY_ZULIPRC, params={"format": rc_format})
    assert response.status_code == 200, "the download was refused"
    return response.content


def new_bot_download(base_url: str, owner: str, username: str, rc_format: str) -> tuple[int, bytes]:
    """Create a bot through the Your-bots page as ``owner`` and download its zuliprc in
    ``rc_format``: the bot's id and the file."""
    browser = browser_logged_in(base_url, owner)
    token = csrf_token_in(browser.get(BOTS).text)
    page = browser.post(
        BOTS, data={"full_name": username.title(), "username": username, "csrf_token": token}
    ).text
    created = re.search(r"/settings/bots/(\d+)/zuliprc", page)
    assert created, "the bot was not created"
    bot_id = int(created.group(1))
    response = browser.get(f"{BOTS}/{bot_id}/zuliprc", params={"format": rc_format})
    assert response.status_code == 200, "the download was refused"
    return bot_id, response.content
