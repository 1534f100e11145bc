"""When earned points expire: by the merchant's calendar, stored in UTC; and the settings API."""

from datetime import UTC, datetime

from core.points.policy import expiry_of
from core.points.schemas import PointsSettingsOut
from tests.factories import bearer, merchant_with_key
from tests.points.conftest import sqlite_only

# 18:00 UTC on 31 January is already 1 February in Jakarta (UTC+7).
EARNED = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)


def policy(expiry: str, days: int | None = None) -> PointsSettingsOut:
    return PointsSettingsOut(expiry=expiry, expiry_days=days)


def test_end_of_month_follows_the_merchants_calendar_not_utcs() -> None:
    in_utc = expiry_of(policy("end_of_month"), EARNED, "UTC")
    in_jakarta = expiry_of(policy("end_of_month"), EARNED, "Asia/Jakarta")
    assert in_utc == datetime(2026, 3, 1, tzinfo=UTC)  # earned in January: end of February
    assert in_jakarta == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # February: end of March local
    assert in_jakarta.tzinfo == UTC


def test_end_of_month_rolls_over_the_year() -> None:
    earned = datetime(2026, 12, 10, tzinfo=UTC)
    assert expiry_of(policy("end_of_month"), earned, "UTC") == datetime(2027, 2, 1, tzinfo=UTC)


def test_end_of_year_is_the_end_of_the_year_after_earning_in_local_time() -> None:
    earned = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)  # 2027-01-01 03:00 in Jakarta
    assert expiry_of(policy("end_of_year"), earned, "UTC") == datetime(2028, 1, 1, tzinfo=UTC)
    assert expiry_of(policy("end_of_year"), earned, "Asia/Jakarta") == datetime(
        2028, 12, 31, 17, 0, tzinfo=UTC
    )


def test_days_keep_the_local_time_of_day_across_a_dst_change() -> None:
    earned = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # 13:00 in Madrid (CET)
    expires = expiry_of(policy("days", 30), earned, "Europe/Madrid")
    assert expires == datetime(2026, 4, 19, 11, 0, tzinfo=UTC)  # 13:00 in Madrid (CEST)


def test_never_expiring_points_have_no_expiry() -> None:
    assert expiry_of(policy("never"), EARNED, "Asia/Jakarta") is None


async def test_settings_default_to_never_and_can_be_changed(client, db) -> None:
    _, key = await merchant_with_key(db)
    _, before = await client.get("/api/v1/points/settings", headers=bearer(key))
    assert before.json == {"expiry": "never", "expiry_days": None, "point_value": None}
    body = {"expiry": "days", "expiry_days": 365}
    _, put = await client.put("/api/v1/points/settings", headers=bearer(key), json=body)
    _, after = await client.get("/api/v1/points/settings", headers=bearer(key))
    assert put.status == 200, put.text
    assert put.json == after.json == body | {"point_value": None}


BAD_SETTINGS = [
    ({"expiry": "days"}, "expiry_days"),
    ({"expiry": "end_of_month", "expiry_days": 3}, "expiry_days"),
    ({"expiry": "days", "expiry_days": 0}, "expiry_days"),
    ({"expiry": "days", "expiry_days": 1.5}, "expiry_days"),
    ({"expiry": "weekly"}, "expiry"),
    ({"expiry": "never", "point_value": -1}, "point_value"),
    ({"expiry": "never", "point_value": 0.00001}, "point_value"),
    ({"expiry": "never", "point_value": "0.5"}, "point_value"),
]


@sqlite_only
async def test_each_bad_setting_is_422_naming_its_field(client, db) -> None:
    _, key = await merchant_with_key(db)
    for body, field in BAD_SETTINGS:
        _, response = await client.put("/api/v1/points/settings", headers=bearer(key), json=body)
        assert (response.status, response.json["error"]["field"]) == (422, field), body
