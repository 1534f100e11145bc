"""compose.yaml runs real `confetti` commands with real settings."""

import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from core.settings import ENV_PREFIX, Settings
from web.cli import main

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
CONFETTI_SERVICES = {
    name: service for name, service in COMPOSE["services"].items() if "build" in service
}


def _command(service: dict) -> list[str]:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else list(command)


def test_compose_has_the_production_services() -> None:
    assert {"postgres", "rabbitmq", "migrate", "web", "worker"} <= set(COMPOSE["services"])


@pytest.mark.parametrize("name", sorted(CONFETTI_SERVICES))
def test_each_service_runs_a_real_confetti_command(name: str) -> None:
    command = _command(CONFETTI_SERVICES[name])
    assert command[0] == "confetti"
    result = CliRunner().invoke(main, [*command[1:], "--help"])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name", sorted(CONFETTI_SERVICES))
def test_each_service_passes_only_real_settings(name: str) -> None:
    variables = [v for v in CONFETTI_SERVICES[name]["environment"] if v.startswith(ENV_PREFIX)]
    known = {field.upper() for field in Settings.model_fields}
    assert variables
    assert {v.removeprefix(ENV_PREFIX) for v in variables} <= known


def test_production_services_use_postgres_and_rabbitmq() -> None:
    for service in CONFETTI_SERVICES.values():
        env = service["environment"]
        assert env["CONFETTI_DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert env["CONFETTI_BROKER_URL"].startswith("amqp://")


def test_dockerfile_installs_every_package_and_runs_confetti() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("core", "web", "bots", "workers"):
        assert f"COPY {package} ./{package}" in dockerfile
    assert 'CMD ["confetti"' in dockerfile
