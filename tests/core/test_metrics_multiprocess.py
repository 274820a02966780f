"""With PROMETHEUS_MULTIPROC_DIR set (as under gunicorn), /metrics adds up every process's
counts. Each process here is a real one: prometheus-client picks its storage at import."""

import json
import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import base_config

TOKEN = "metrics-token-for-the-tests-0123456789"
# A worker: build the app, answer some requests, print /metrics if asked.
WORKER = """
import json, sys
from app import create_app
app = create_app(json.loads(sys.argv[1]))
client = app.test_client()
for _ in range(int(sys.argv[2])):
    assert client.get("/api/v1/server_settings").status_code == 200
if sys.argv[3] == "scrape":
    response = client.get("/metrics", headers={"Authorization": "Bearer " + sys.argv[4]})
    assert response.status_code == 200
    sys.stdout.write(response.get_data(as_text=True))
"""


def run_worker(config: dict[str, object], folder: Path, calls: int, scrape: bool = False) -> str:
    environment = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    arguments = [json.dumps(config), str(calls), "scrape" if scrape else "quiet", TOKEN]
    finished = subprocess.run(
        [sys.executable, "-c", WORKER, *arguments],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


def test_metrics_add_up_every_process(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "prometheus"
    folder.mkdir()
    config = {
        **base_config(database_url, tmp_path / "instance"),
        "METRICS_ENABLED": True,
        "METRICS_TOKEN": TOKEN,
    }
    run_worker(config, folder, 2)
    run_worker(config, folder, 3)
    text = run_worker(config, folder, 0, scrape=True)
    labels = {"app": "api", "endpoint": "api.server_settings", "method": "GET", "status": "200"}
    counts = [
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "keyfob_http_requests_total" and sample.labels == labels
    ]
    assert counts == [5.0]
    assert len(list(folder.glob("counter_*.db"))) == 3  # one file per process
