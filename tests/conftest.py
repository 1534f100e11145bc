pytest_plugins = [
    "tests.fixtures.services",
    "tests.fixtures.databases",
    "tests.fixtures.brokers",
    "tests.fixtures.processes",
    "tests.fakes.fixtures",
]
