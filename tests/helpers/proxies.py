"""The sample proxy configurations (docs/nginx.conf, docs/Caddyfile) run for real: each one as
written, moved to loopback ports and temporary files, in front of an app on a live server.

Only what cannot run in a test is rewritten: the listening addresses (plain HTTP on loopback,
so TLS, HTTP/2 and HSTS lines go), the upstream's port, the log paths, and for Caddy the
admin endpoint (off). The log directives themselves are checked to be the sample's, word for
word, so the test proves what an operator who copies the file gets.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.config import PROJECT_ROOT
from tests.helpers.gunicorn import free_port, stop

NGINX_SAMPLE = PROJECT_ROOT / "docs" / "nginx.conf"
CADDY_SAMPLE = PROJECT_ROOT / "docs" / "Caddyfile"
SITE = "keys.example.com"  # the samples' host name, sent as the Host header
START_SECONDS = 30


@dataclass
class Proxy:
    """A sample proxy running: where to send requests and the Host to name (the sample's
    site on the test's port, as a browser names it), ``redirect_url``: a server that only
    redirects to it, if the sample has one; the sample's access log, and every file the
    proxy writes logs to."""

    url: str
    access_log: Path
    logs: list[Path]
    redirect_url: str | None = None

    @property
    def host(self) -> str:
        return f"{SITE}:{self.url.rsplit(':', 1)[1]}"

    def written(self) -> str:
        """Everything the proxy logged, every file together."""
        return "\n".join(p.read_text(errors="replace") for p in self.logs if p.exists())

    def access_logged(self, naming: tuple[str, ...], seconds: float = 10) -> str:
        """The sample's access log once it names each of ``naming`` (a proxy may log a
        request just after answering it), or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while True:
            text = self.access_log.read_text() if self.access_log.exists() else ""
            if all(part in text for part in naming) or time.monotonic() > deadline:
                return text
            time.sleep(0.1)


def binary(name: str) -> str:
    """The path of ``name``; a skip without it (a failure under KEYFOB_TEST_REQUIRE_PROXIES=1
    or CI=true, where .ci/run installs it)."""
    found = shutil.which(name) or next(
        (str(p) for p in (Path("/usr/sbin", name), Path("/usr/bin", name)) if p.exists()), None
    )
    if found is None:
        message = f"{name} is not installed (apt-get install {name})"
        if os.environ.get("KEYFOB_TEST_REQUIRE_PROXIES") == "1" or os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@contextmanager
def private_folder() -> Iterator[Path]:
    """A temporary folder nginx's workers (dropped to an unprivileged user) can enter."""
    with tempfile.TemporaryDirectory(prefix="keyfob-proxy-") as name:
        folder = Path(name)
        folder.chmod(0o755)
        yield folder


# -- nginx ------------------------------------------------------------------------------------


def nginx_log_directives(config: str) -> list[str]:
    """Every directive that decides what nginx logs, as written (whitespace collapsed)."""
    found = re.findall(r"^\s*((?:log_format|access_log|error_log)\b[^;]*;)", config, re.M)
    return [" ".join(directive.split()) for directive in found]


def nginx_site(sample: str, ports: tuple[int, int], upstream: int, folder: Path) -> str:
    """docs/nginx.conf on loopback: the port-80 server on ``ports[0]``, the HTTPS one on
    ``ports[1]`` in plain HTTP; the upstream and the log folder replaced."""
    site = sample.replace("listen 80;", f"listen 127.0.0.1:{ports[0]};")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{ports[1]};")
    site = re.sub(
        r"^\s*(ssl_\w+|http2|add_header Strict-Transport-Security)\b.*\n", "", site, flags=re.M
    )
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("/var/log/nginx/", f"{folder}/")
    expected = [d.replace("/var/log/nginx/", f"{folder}/") for d in nginx_log_directives(sample)]
    assert nginx_log_directives(site) == expected, "the test lost or changed a log directive"
    return site


def nginx_main(folder: Path, site: str) -> Path:
    """An nginx main configuration in ``folder`` around ``site`` (a sample's http-level
    directives): one worker, every file it writes in ``folder``; its path."""
    config = folder / "nginx.conf"
    config.write_text(
        f"daemon off;\nworker_processes 1;\npid {folder / 'nginx.pid'};\n"
        f"error_log {folder / 'main-error.log'} info;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"    access_log {folder / 'main-access.log'};\n"  # the default, "combined"
        + "".join(
            f"    {kind}_temp_path {folder / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        + site
        + "\n}\n"
    )
    return config


@contextmanager
def nginx(upstream: int) -> Iterator[Proxy]:
    """docs/nginx.conf in front of 127.0.0.1:``upstream``; its URL is the HTTPS server's."""
    command = binary("nginx")
    with private_folder() as folder:
        ports = free_port(), free_port()
        config = nginx_main(folder, nginx_site(NGINX_SAMPLE.read_text(), ports, upstream, folder))
        run = [command, "-e", str(folder / "startup.log"), "-p", str(folder), "-c", str(config)]
        with running(run, folder / "nginx.out", ports[1], os.environ) as url:
            logs = [folder / name for name in ("nginx.out", "startup.log", "main-error.log")]
            logs += [folder / name for name in ("main-access.log", "keyfob.access.log")]
            logs.append(folder / "keyfob.error.log")
            access = folder / "keyfob.access.log"
            yield Proxy(url, access, logs, f"http://127.0.0.1:{ports[0]}")


# -- Caddy ------------------------------------------------------------------------------------


def caddy_log_blocks(config: str) -> list[str]:
    """Every `log` block of a Caddyfile, as written (whitespace collapsed, comments dropped)."""
    text = re.sub(r"#.*", "", config)
    blocks = []
    for start in re.finditer(r"^\s*log\b[^{\n]*\{", text, re.M):
        depth, end = 0, start.start()
        for end in range(start.end() - 1, len(text)):
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            if depth == 0:
                break
        blocks.append(" ".join(text[start.start() : end + 1].split()))
    return blocks


def caddy_site(sample: str, port: int, upstream: int, folder: Path, version: str) -> str:
    """docs/Caddyfile on loopback in plain HTTP: the site on ``port``, the admin endpoint off,
    the upstream and the log folder replaced (and, before Caddy 2.6.4, its older spelling of
    the request buffering)."""
    site = sample.replace("{\n\tservers {", "{\n\tadmin off\n\tservers {", 1)
    site = site.replace(f"{SITE} {{", f"http://{SITE}:{port} {{\n\tbind 127.0.0.1", 1)
    site = site.replace("reverse_proxy 127.0.0.1:8000", f"reverse_proxy 127.0.0.1:{upstream}")
    site = site.replace("/var/log/caddy/", f"{folder}/")
    if _older(version, (2, 6, 4)):
        site = site.replace("request_buffers 1MB", "buffer_requests")
    expected = [b.replace("/var/log/caddy/", f"{folder}/") for b in caddy_log_blocks(sample)]
    assert caddy_log_blocks(site) == expected, "the test lost or changed a log block"
    assert "admin off" in site and "bind 127.0.0.1" in site, "the sample's layout changed"
    return site


def _older(version: str, than: tuple[int, ...]) -> bool:
    numbers = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
    return numbers < than


@contextmanager
def caddy(upstream: int) -> Iterator[Proxy]:
    """docs/Caddyfile in front of 127.0.0.1:``upstream``."""
    command = binary("caddy")
    with private_folder() as folder:
        version = subprocess.run(
            [command, "version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        port = free_port()
        config = folder / "Caddyfile"
        config.write_text(caddy_site(CADDY_SAMPLE.read_text(), port, upstream, folder, version))
        # Caddy keeps its state (autosaved config, certificates) under these: not the user's.
        env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data")}
        env["XDG_CONFIG_HOME"] = str(folder / "config")
        run = [command, "run", "--config", str(config), "--adapter", "caddyfile"]
        with running(run, folder / "caddy.out", port, env) as url:
            access = folder / "keyfob.access.log"
            yield Proxy(url, access, [folder / "caddy.out", access])


# -- both -------------------------------------------------------------------------------------


@contextmanager
def running(
    command: list[str], output: Path, port: int, env: "os._Environ[str] | dict[str, str]"
) -> Iterator[str]:
    """``command`` started with its output in ``output``; its URL once the port answers HTTP
    (any status: the app behind may be down on purpose); stopped afterwards."""
    with output.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=dict(env), start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command[0]} stopped: {output.read_text()[-2000:]}")
            try:
                httpx.get(url + "/healthz", headers={"Host": f"{SITE}:{port}"}, timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    message = f"{command[0]} did not answer in {START_SECONDS} s"
                    raise AssertionError(message) from None
                time.sleep(0.2)
        yield url
    finally:
        stop(process)
