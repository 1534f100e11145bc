import time
import pytest
from tests.reliability.prizes import open_shop, win_prizes, progress

@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
async def test_seed(db, fake_telegram):
    t = time.monotonic()
    shop = await open_shop(db, fake_telegram)
    t1 = time.monotonic()
    await win_prizes(db, shop)
    t2 = time.monotonic()
    print("customers", t1 - t, "plays", t2 - t1, await progress(db, fake_telegram))
