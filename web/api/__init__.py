from sanic import Blueprint

from web.api import merchants

API_PREFIX = "/api/v1"


def api_blueprints() -> Blueprint:
    return Blueprint.group(merchants.bp, url_prefix=API_PREFIX)
