"""Shared fixtures, and how tests are shared among `pytest -n` (xdist) workers."""

import pytest

pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.asgi",
    "tests.fixtures.passwords",
    "tests.fixtures.databases",
    "tests.fixtures.brokers",
    "tests.fixtures.processes",
    "tests.fakes.fixtures",
]


# The fault tests kill processes, cut RabbitMQ off and time their recovery: under
# `--dist loadgroup` these, every test that uses RabbitMQ and every test marked `serial` form one
# group that a single worker runs in turn, while the other workers share the rest.
SERIAL_FOLDERS = ("reliability",)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.parent.name
        if folder in SERIAL_FOLDERS or item.get_closest_marker("rabbitmq"):
            item.add_marker(pytest.mark.serial)
        if item.get_closest_marker("serial"):
            item.add_marker(pytest.mark.xdist_group("serial"))
