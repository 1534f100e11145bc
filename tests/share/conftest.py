from tests.activities.shop import shop  # noqa: F401  (the shared fixture)
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)
