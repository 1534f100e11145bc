"""The `confetti` command as an operator uses it: real processes, real signals."""

import json
import signal
import subprocess
import time

import httpx
from click.testing import CliRunner

from tests.fixtures.processes import CONFETTI, free_port, start_serving, stop_serving
from web.cli import main


def test_merchants_create_prints_a_working_key(env) -> None:
    result = CliRunner().invoke(
        main,
        [
            "merchants",
            "create",
            "--name",
            "Tienda",
            "--currency",
            "eur",
            "--timezone",
            "Europe/Madrid",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "API key (shown only now): cft_" in result.output


def test_merchants_create_refuses_a_bad_currency_naming_the_option(env) -> None:
    result = CliRunner().invoke(
        main, ["merchants", "create", "--name", "X", "--currency", "EURO", "--timezone", "UTC"]
    )
    assert result.exit_code == 2
    assert "--currency" in result.output


def test_bad_setting_stops_start_up_with_one_line(env, monkeypatch) -> None:
    monkeypatch.setenv("CONFETTI_PORT", "not-a-port")
    result = CliRunner().invoke(main, ["migrate"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("confetti: CONFETTI_PORT:")
    assert len(result.output.strip().splitlines()) == 1


def test_migrate_and_demo_on_a_new_database(tmp_path, env, monkeypatch) -> None:
    monkeypatch.setenv("CONFETTI_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/new.db")
    assert CliRunner().invoke(main, ["migrate"]).exit_code == 0
    first = CliRunner().invoke(main, ["demo"])
    second = CliRunner().invoke(main, ["demo"])
    assert first.exit_code == 0, first.output
    assert "API key       cft_" in first.output
    assert "Share page    http://" in first.output
    assert "Console login owner@demo-tea-shop.example / " in first.output
    # The same banner each time (the first run also logs the demo data it created).
    banner = [line for line in first.output.splitlines() if not line.startswith("{")]
    assert banner == second.output.splitlines()


def test_serve_answers_and_stops_cleanly_on_sigterm(env, tmp_path) -> None:
    env_limit = 64 * 1024
    env = {**env, "CONFETTI_MAX_BODY_BYTES": str(env_limit)}
    port = free_port()
    log = tmp_path / "serve.log"
    process = start_serving(env, port, log)
    try:
        spec = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5)
        assert spec.status_code == 200
        assert "/api/v1/merchant" in spec.json()["paths"]
        huge = httpx.post(
            f"http://127.0.0.1:{port}/api/v1/api-keys",
            content=b"x" * (env_limit + 1),
            headers={"Content-Type": "application/json"},
            timeout=5,
        )
        assert huge.status_code == 413
        assert huge.json()["error"]["code"] == "payload_too_large"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        logged = [json.loads(line) for line in log.read_text().splitlines() if line[:1] == "{"]
        completed = [entry for entry in logged if entry["event"] == "http.request.completed"]
        assert {"request_id", "route", "status", "duration_ms"} <= set(completed[0])
    finally:
        stop_serving(process)


def test_worker_runs_until_sigterm_then_stops_cleanly(env) -> None:
    process = subprocess.Popen(
        [CONFETTI, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        started = False
        lines = []
        while time.monotonic() < deadline and not started:
            line = process.stderr.readline()
            lines.append(line)
            started = "worker.started" in line
            assert line or process.poll() is None, "".join(lines)
        assert started, "".join(lines)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "worker.stopped" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
