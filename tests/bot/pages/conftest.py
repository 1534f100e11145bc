from tests.browser.conftest import (  # noqa: F401  (the browser fixtures)
    backend,
    base_url,
    browser,
    chromium_path,
    client,
    desktop,
    phone,
    shoot,
)
from tests.web.conftest import app, memory_broker  # noqa: F401
