"""Configuration layers, generated secrets, and starting from an empty instance folder."""

import multiprocessing
import os
import stat
import tomllib
from pathlib import Path

import pytest

from app import create_app
from app.core import config
from tests.helpers.web import csrf_token_in


def test_the_app_starts_with_an_empty_instance_folder(database_url: str, tmp_path: Path) -> None:
    instance = tmp_path / "empty-instance"
    app = create_app({"INSTANCE_PATH": str(instance), "DATABASE_URL": database_url})
    response = app.test_client().get("/login")
    assert response.status_code == 200
    secrets_file = instance / "secrets.toml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    stored = tomllib.loads(secrets_file.read_text())
    assert app.config["SECRET_KEY"] == stored["SECRET_KEY"]
    assert app.config["KEY_ENCRYPTION_KEYS"] == stored["KEY_ENCRYPTION_KEYS"]


def test_generated_secrets_are_reused_on_the_next_start(tmp_path: Path) -> None:
    first = config.load(str(tmp_path), None)
    second = config.load(str(tmp_path), None)
    for name in config.SECRET_NAMES:
        assert first[name] and first[name] == second[name]


def test_secrets_from_the_environment_are_not_written_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYFOB_SECRET_KEY", "from-env")
    monkeypatch.setenv("KEYFOB_KEY_PEPPER", "pepper-from-env")
    monkeypatch.setenv("KEYFOB_KEY_ENCRYPTION_KEYS", "a, b")
    settings = config.load(str(tmp_path), None)
    assert settings["SECRET_KEY"] == "from-env"
    assert settings["KEY_ENCRYPTION_KEYS"] == ["a", "b"]
    assert not (tmp_path / "secrets.toml").exists()


def _load_secrets(
    path: str, barrier: "multiprocessing.synchronize.Barrier", out: "multiprocessing.Queue[str]"
) -> None:
    barrier.wait()
    out.put(repr(sorted(config.load_or_create_secrets(Path(path)).items())))


def test_racing_processes_end_up_with_the_same_secrets(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    workers = 8
    barrier = context.Barrier(workers)
    results: multiprocessing.Queue[str] = context.Queue()
    path = str(tmp_path / "secrets.toml")
    processes = [
        context.Process(target=_load_secrets, args=(path, barrier, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    seen = {results.get(timeout=30) for _ in processes}
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert len(seen) == 1
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".secrets-")]


def test_layers_apply_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.toml").write_text(
        'site_url = "https://from-file.example"\nreauth_window_seconds = 60\n'
        "registration_open = false\n"
    )
    monkeypatch.setenv("KEYFOB_REAUTH_WINDOW_SECONDS", "120")
    settings = config.load(str(tmp_path), {"REGISTRATION_OPEN": True})
    assert settings["SITE_URL"] == "https://from-file.example"
    assert settings["REAUTH_WINDOW_SECONDS"] == 120
    assert settings["REGISTRATION_OPEN"] is True


def test_environment_values_take_the_settings_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYFOB_REGISTRATION_OPEN", "false")
    monkeypatch.setenv("KEYFOB_MAX_BOTS_PER_USER", "7")
    settings = config.load(str(tmp_path), None)
    assert settings["REGISTRATION_OPEN"] is False
    assert settings["MAX_BOTS_PER_USER"] == 7


@pytest.mark.parametrize(
    ("variable", "value"),
    [("KEYFOB_REGISTRATION_OPEN", "perhaps"), ("KEYFOB_REAUTH_WINDOW_SECONDS", "soon")],
)
def test_a_badly_typed_environment_value_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=variable):
        config.load(str(tmp_path), None)


def test_the_default_database_is_sqlite_in_the_instance_folder(tmp_path: Path) -> None:
    settings = config.load(str(tmp_path), None)
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path}/keyfob.sqlite3"


def test_a_bad_encryption_key_stops_the_app_at_start(database_url: str, tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="Fernet"):
        create_app(
            {
                "INSTANCE_PATH": str(tmp_path),
                "DATABASE_URL": database_url,
                "KEY_ENCRYPTION_KEYS": ["not-a-fernet-key"],
            }
        )


def test_a_misspelt_environment_setting_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KEYFOB_REGISTRATON_OPEN", "false")
    with pytest.raises(ValueError, match="KEYFOB_REGISTRATON_OPEN is not a Keyfob setting"):
        config.load(str(tmp_path), None)


def test_a_misspelt_file_setting_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text("sit_url = 'https://x.example'\n")
    with pytest.raises(ValueError, match="sit_url is not a Keyfob setting"):
        config.load(str(tmp_path), None)


def test_a_file_setting_of_the_wrong_type_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('registration_open = "false"\n')
    with pytest.raises(ValueError, match="registration_open must be a bool"):
        config.load(str(tmp_path), None)


def test_a_secrets_file_missing_a_secret_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "secrets.toml").write_text('SECRET_KEY = "only this one"\n')
    with pytest.raises(ValueError, match="has no KEY_PEPPER"):
        config.load(str(tmp_path), None)


def test_a_fresh_instance_runs_on_its_own_sqlite_file(tmp_path: Path) -> None:
    instance = tmp_path / "fresh"
    app = create_app({"INSTANCE_PATH": str(instance), "ARGON2_MEMORY_COST_KIB": 1024})
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    client = app.test_client()
    page = client.get("/register").get_data(as_text=True)
    token = csrf_token_in(page)
    form = {
        "email": "new@example.com",
        "full_name": "New",
        "password": "long enough pw",
        "confirm": "long enough pw",
        "csrf_token": token,
    }
    assert client.post("/register", data=form).status_code == 302
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    assert stat.S_IMODE((instance / "keyfob.sqlite3").stat().st_mode) == 0o600
    app.extensions["keyfob.engine"].dispose()
