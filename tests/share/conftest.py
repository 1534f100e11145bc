import pytest

from tests.activities.shop import shop  # noqa: F401  (the shared fixture)
from tests.web.conftest import app, client, memory_broker  # noqa: F401  (same app fixtures)


@pytest.fixture(autouse=True)
def many_visitors_per_address(app):  # noqa: F811
    """The page tests play as several visitors from the test client's one address; the
    per-address limits have tests of their own, which set them."""
    app.ctx.settings = app.ctx.settings.model_copy(update={"share_visitors_per_address": 1000})
