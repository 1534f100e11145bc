from sanic import Blueprint

from web.api import (
    activities,
    analytics,
    broadcasts,
    channels,
    codes,
    coupons,
    customers,
    jobs,
    merchants,
    points,
    redemptions,
    webhooks_out,
)

API_PREFIX = "/api/v1"


def api_blueprints() -> Blueprint:
    return Blueprint.group(
        merchants.bp,
        customers.bp,
        coupons.bp,
        redemptions.bp,
        codes.bp,
        activities.bp,
        points.bp,
        webhooks_out.bp,
        jobs.bp,
        channels.bp,
        broadcasts.bp,
        analytics.bp,
        url_prefix=API_PREFIX,
    )
