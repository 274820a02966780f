"""The gateway samples (docs/gateway/nginx.conf, docs/gateway/Caddyfile) run for real: each as
written, moved to a loopback port and temporary files, between a client, Keyfob's check and
the stand-in platform. Only what cannot run in a test is rewritten: the listening address
(plain HTTP on loopback, so the TLS lines go), the two upstreams' ports and the log folder."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.config import PROJECT_ROOT
from tests.helpers.gunicorn import free_port
from tests.helpers.proxies import binary, nginx_main, private_folder, running

NGINX_GATEWAY = PROJECT_ROOT / "docs" / "gateway" / "nginx.conf"
CADDY_GATEWAY = PROJECT_ROOT / "docs" / "gateway" / "Caddyfile"
KEYFOB_PORT, PLATFORM_PORT = "127.0.0.1:8000", "127.0.0.1:9991"  # as the samples name them


def _ported(sample: str, keyfob: int, platform: int) -> str:
    assert sample.count(KEYFOB_PORT) == 1 and sample.count(PLATFORM_PORT) == 1, "layout changed"
    return sample.replace(KEYFOB_PORT, f"127.0.0.1:{keyfob}").replace(
        PLATFORM_PORT, f"127.0.0.1:{platform}"
    )


@contextmanager
def nginx_gateway(keyfob: int, platform: int) -> Iterator[str]:
    """docs/gateway/nginx.conf between a client and the two; the URL clients call."""
    command = binary("nginx")
    with private_folder() as folder:
        port = free_port()
        site = _ported(NGINX_GATEWAY.read_text(), keyfob, platform)
        site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port};")
        site = re.sub(r"^\s*(ssl_\w+|http2)\b.*\n", "", site, flags=re.M)
        site = site.replace("/var/log/nginx/", f"{folder}/")
        config = nginx_main(folder, site)
        run = [command, "-e", str(folder / "startup.log"), "-p", str(folder), "-c", str(config)]
        with running(run, folder / "nginx.out", port, os.environ) as url:
            yield url


@contextmanager
def caddy_gateway(keyfob: int, platform: int) -> Iterator[str]:
    """docs/gateway/Caddyfile between a client and the two; the URL clients call."""
    command = binary("caddy")
    with private_folder() as folder:
        port = free_port()
        site = _ported(CADDY_GATEWAY.read_text(), keyfob, platform)
        assert site.count("chat.example.com {") == 1, "the sample's layout changed"
        site = site.replace("chat.example.com {", f":{port} {{\n\tbind 127.0.0.1", 1)
        site = site.replace("/var/log/caddy/", f"{folder}/")
        config = folder / "Caddyfile"
        assert site.count("{\n\tlog default {") == 1, "the sample's layout changed"
        site = site.replace(
            "{\n\tlog default {", "{\n\tadmin off\n\tauto_https off\n\tlog default {"
        )
        config.write_text(site)
        env = {**os.environ, "HOME": str(folder), "XDG_DATA_HOME": str(folder / "data")}
        env["XDG_CONFIG_HOME"] = str(folder / "config")
        run = [command, "run", "--config", str(config), "--adapter", "caddyfile"]
        with running(run, folder / "caddy.out", port, env) as url:
            yield url
