from sanic import Blueprint

from web.api import coupons, customers, merchants, redemptions

API_PREFIX = "/api/v1"


def api_blueprints() -> Blueprint:
    return Blueprint.group(
        merchants.bp, customers.bp, coupons.bp, redemptions.bp, url_prefix=API_PREFIX
    )
