"""Real HTTP: the app on a loopback port, parallel clients, a browser-like HTTP client."""

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import httpx
from flask import Flask
from werkzeug.serving import make_server

from tests.helpers.users import PASSWORD
from tests.helpers.web import KEY_PAGE, KEY_ZULIPRC_INI, csrf_token_in

T = TypeVar("T")


@contextmanager
def serve(application: Flask) -> Iterator[str]:
    """Serve an app over real HTTP on a free loopback port, one thread per request."""
    server = make_server("127.0.0.1", 0, application, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


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


def own_ini_download(base_url: str, email: str) -> bytes:
    """The user's INI zuliprc from the live server (so its site is that server)."""
    return own_download(base_url, email, KEY_ZULIPRC_INI)


def own_download(base_url: str, email: str, link: str) -> bytes:
    """The user's zuliprc behind ``link`` on the live server, downloaded as the user would:
    log in, confirm the password, click the link."""
    browser = browser_logged_in(base_url, email)
    token = csrf_token_in(browser.get(KEY_PAGE).text)
    browser.post(KEY_PAGE, data={"password": PASSWORD, "csrf_token": token})
    return browser.get(link).content
