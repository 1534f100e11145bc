from sqlalchemy import func, select

from core import demo
from core.coupons.models import CouponTemplate
from core.merchants.models import ApiKey


async def test_demo_merchant_is_created_once_with_a_stable_key(db) -> None:
    secret = "s" * 40
    async with db.transaction() as session:
        first, key_1 = await demo.ensure_demo_merchant(session, secret)
    async with db.transaction() as session:
        second, key_2 = await demo.ensure_demo_merchant(session, secret)
        keys = (await session.execute(select(func.count()).select_from(ApiKey))).scalar()
    assert first.id == second.id
    assert key_1 == key_2 == demo.demo_api_key(secret)
    assert keys == 1
    assert demo.demo_api_key("t" * 40) != key_1


async def test_demo_data_has_templates_a_promotion_and_a_flash_sale_opening_soon(db) -> None:
    async with db.transaction() as session:
        merchant, _ = await demo.ensure_demo_merchant(session, "s" * 40)
        templates = (
            (
                await session.execute(
                    select(CouponTemplate).where(CouponTemplate.merchant_id == merchant.id)
                )
            )
            .scalars()
            .all()
        )
    assert {t.kind for t in templates} == {"fixed", "threshold", "percent", "free_order"}
    assert any(t.auto_apply for t in templates)
    assert any(t.claim_starts_at and t.total_stock for t in templates)


async def test_demo_has_one_live_activity_of_each_kind(db) -> None:
    from core.activities.models import Activity
    from core.activities.service import effective_status
    from core.clock import utcnow

    async with db.transaction() as session:
        merchant, _ = await demo.ensure_demo_merchant(session, "s" * 40)
        activities = (
            (await session.execute(select(Activity).where(Activity.merchant_id == merchant.id)))
            .scalars()
            .all()
        )
    assert sorted(a.kind for a in activities) == [
        "collection",
        "lucky_draw",
        "marquee",
        "red_envelope",
    ]
    assert {effective_status(a, utcnow()) for a in activities} == {"live"}


async def test_demo_has_a_points_rule_a_catalogue_item_and_a_partner_batch(db) -> None:
    from core.codes.models import CodeBatch
    from core.points.rules import list_rules

    async with db.transaction() as session:
        merchant, _ = await demo.ensure_demo_merchant(session, "s" * 40)
        rules = await list_rules(session, merchant.id)
        batches = (
            (await session.execute(select(CodeBatch).where(CodeBatch.merchant_id == merchant.id)))
            .scalars()
            .all()
        )
    assert {rule.kind for rule in rules} >= {"per_amount"}
    assert "imported" in {batch.kind for batch in batches}


async def test_demo_owner_logs_in_to_the_console_with_the_printed_password(db) -> None:
    from core.staff.service import check_password

    secret = "s" * 40
    async with db.transaction() as session:
        merchant, _ = await demo.ensure_demo_merchant(session, secret)
        email, password = await demo.ensure_demo_owner(session, merchant, secret)
    async with db.transaction() as session:
        assert await demo.ensure_demo_owner(session, merchant, secret) == (email, password)
        owner = await check_password(session, email, password)
    assert (owner.merchant_id, owner.role) == (merchant.id, "owner")
    assert password == demo.demo_owner_password(secret) != demo.demo_owner_password("t" * 40)
