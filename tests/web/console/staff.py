"""Staff accounts and signed-in console clients for the console's tests: plain functions."""

import re
import uuid

from sanic import Sanic
from sanic_testing.testing import SanicASGITestClient

from core.db import Database
from core.merchants.models import Merchant
from core.staff.models import Role
from core.staff.schemas import SignUp, StaffCreate
from core.staff.service import add_staff, sign_up

PASSWORD = "correct horse battery"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def owner(db: Database, email: str = "owner@shop.example", **merchant: str) -> Merchant:
    fields = {"name": "Tea Shop", "currency": "EUR", "timezone": "Europe/Madrid", **merchant}
    async with db.transaction() as session:
        created, _ = await sign_up(session, SignUp(email=email, password=PASSWORD, **fields))
    return created


async def staff(db: Database, merchant: Merchant, role: Role, email: str) -> uuid.UUID:
    """A staff member who logs in with PASSWORD; their id."""
    async with db.transaction() as session:
        member = await add_staff(
            session, merchant.id, StaffCreate(email=email, password=PASSWORD), role=role
        )
        return member.id


def another_browser(app: Sanic) -> SanicASGITestClient:
    """A client with a cookie jar of its own (`app.asgi_client` is one shared client)."""
    return SanicASGITestClient(app)


async def log_in(client: SanicASGITestClient, email: str, password: str = PASSWORD):
    _, response = await client.post(
        "/console/login", data={"email": email, "password": password, "next": "/console/"}
    )
    return response


def csrf_token(html: str) -> str:
    return _CSRF.search(html).group(1)


async def page_token(client: SanicASGITestClient, path: str = "/console/") -> str:
    """The CSRF token a console page hands the signed-in browser."""
    _, response = await client.get(path)
    assert response.status == 200, response.text
    return csrf_token(response.text)
