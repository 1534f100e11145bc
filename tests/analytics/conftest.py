from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)
