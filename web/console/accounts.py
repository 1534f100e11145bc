"""Sign-up (a new merchant and its owner), log-in and log-out; and the staff screen (owner
only), where each staff member's Telegram is linked to the merchant's bot or unlinked."""

import base64
import uuid

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from bots.telegram.staff_links import NoTelegramBot, StaffLink, telegram_staff_link
from core.clock import utcnow
from core.staff.chats import change_role, list_staff, staff_chats, unlink
from core.staff.errors import EmailTaken, LockedOut, OwnRoleUnchangeable, StaffNotFound
from core.staff.login import log_in
from core.staff.models import Role
from core.staff.schemas import MIN_PASSWORD_LENGTH, LogIn, SignUp
from core.staff.service import get_staff, sign_up
from core.staff.sessions import end_all_sessions, end_session, open_session
from web.console.access import current, requires, safe_next
from web.console.cookies import clear_session_cookie, session_secret, set_session_cookie
from web.console.forms import Form, read_fields, text, typed, validated
from web.console.pages import console_page, translator
from web.pages import render
from web.qr import qr_image

bp = Blueprint("console_accounts", url_prefix="/console")

_SIGN_UP_FIELDS = {name: text for name in ("name", "email", "password", "currency", "timezone")}
_LOG_IN_FIELDS = {"email": text, "password": str}


def _signup_page(request: Request, form: Form, status: int = 200) -> HTTPResponse:
    t = translator(request, None)
    return render(
        "console/signup.html",
        status,
        t=t,
        title=t("console.signup.title"),
        form=form,
        min_password=MIN_PASSWORD_LENGTH,
    )


@bp.get("/signup")
async def signup_form(request: Request) -> HTTPResponse:
    return _signup_page(request, Form(values={"currency": "EUR", "timezone": "UTC"}))


@bp.post("/signup")
async def signup(request: Request) -> HTTPResponse:
    t = translator(request, None)
    form = Form(values=typed(request))
    data = validated(SignUp, read_fields(form, _SIGN_UP_FIELDS, t), form, t)
    if data is None:
        return _signup_page(request, form, 422)
    try:
        async with request.app.ctx.db.transaction() as session:
            _, staff = await sign_up(session, data)
            opened = await open_session(
                session, staff, now=utcnow(), replacing=session_secret(request)
            )
    except EmailTaken:
        form.errors["email"] = t("console.error.email_taken")
        return _signup_page(request, form, 409)
    response = redirect("/console/", status=303)
    set_session_cookie(request, response, opened.secret)
    return response


def _login_page(request: Request, form: Form, status: int = 200, **context: object) -> HTTPResponse:
    t = translator(request, None)
    return render(
        "console/login.html",
        status,
        t=t,
        title=t("console.login.title"),
        form=form,
        next_path=safe_next(request.args.get("next") or form.value("next")),
        **context,
    )


@bp.get("/login")
async def login_form(request: Request) -> HTTPResponse:
    notice = request.args.get("bye") and translator(request, None)("console.logout.done")
    return _login_page(request, Form(), notice=notice)


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    t = translator(request, None)
    form = Form(values=typed(request))
    data = validated(LogIn, read_fields(form, _LOG_IN_FIELDS, t), form, t)
    if data is None:
        return _login_page(request, form, 422)
    async with request.app.ctx.db.transaction() as session:
        outcome = await log_in(
            session, data, ip=request.ip, now=utcnow(), replacing=session_secret(request)
        )
    if outcome.refusal is not None:
        locked = isinstance(outcome.refusal, LockedOut)
        refusal = t("console.login.locked" if locked else "console.login.wrong")
        return _login_page(request, form, outcome.refusal.status, refusal=refusal)
    response = redirect(safe_next(form.value("next")), status=303)
    set_session_cookie(request, response, outcome.opened.secret)
    return response


@bp.post("/logout")
@requires(Role.CASHIER)
async def logout(request: Request) -> HTTPResponse:
    who = current(request)
    everywhere = typed(request).get("everywhere") == "on"
    async with request.app.ctx.db.transaction() as session:
        if everywhere:
            await end_all_sessions(session, who.staff.id)
        else:
            await end_session(session, who.secret)
    response = redirect("/console/login?bye=1", status=303)
    clear_session_cookie(response)
    return response


async def _staff_page(
    request: Request,
    *,
    issued: StaffLink | None = None,
    issued_for: uuid.UUID | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HTTPResponse:
    who = current(request)
    async with request.app.ctx.db.transaction(write=False) as session:
        members = await list_staff(session, who.merchant.id)
        chats = await staff_chats(session, who.merchant.id)
    qr = base64.b64encode(qr_image(issued.url)).decode() if issued else None
    return console_page(
        request,
        who,
        "console/staff.html",
        status,
        title=translator(request, who)("console.menu.staff"),
        members=members,
        chats=chats,
        roles=[role.value for role in Role],
        issued=issued,
        issued_for=issued_for,
        qr_data_uri=f"data:image/png;base64,{qr}" if qr else None,
        refusal=refusal,
    )


@bp.get("/staff/")
@requires(Role.OWNER)
async def staff_screen(request: Request) -> HTTPResponse:
    return await _staff_page(request)


async def _issue(request: Request, **whom: object) -> HTTPResponse:
    who = current(request)
    try:
        async with request.app.ctx.db.transaction() as session:
            link = await telegram_staff_link(
                session, who.merchant.id, base_url=request.app.ctx.settings.base_url, **whom
            )
    except NoTelegramBot:
        refusal = translator(request, who)("console.staff.no_bot")
        return await _staff_page(request, refusal=refusal, status=409)
    # Answered with the page itself: the one-time link must never sit in a URL's history.
    return await _staff_page(request, issued=link, issued_for=whom.get("staff_id"), status=201)


@bp.post("/staff/<staff_id:uuid>/link")
@requires(Role.OWNER)
async def link_member(request: Request, staff_id: uuid.UUID) -> HTTPResponse:
    return await _issue(request, staff_id=staff_id)


@bp.post("/staff/link")
@requires(Role.OWNER)
async def link_new_member(request: Request) -> HTTPResponse:
    chosen = typed(request).get("role", "")
    if chosen not in {role.value for role in Role}:
        refusal = translator(request, current(request))("console.staff.pick_role")
        return await _staff_page(request, refusal=refusal, status=422)
    return await _issue(request, role=Role(chosen))


async def _check_own_member(request: Request, staff_id: uuid.UUID) -> None:
    """Another merchant's staff member is unknown here (404), before anything else is read."""
    async with request.app.ctx.db.transaction(write=False) as session:
        try:
            member = await get_staff(session, staff_id)
        except StaffNotFound:
            member = None
    if member is None or member.merchant_id != current(request).merchant.id:
        raise StaffNotFound()


@bp.post("/staff/<staff_id:uuid>/role")
@requires(Role.OWNER)
async def change_member_role(request: Request, staff_id: uuid.UUID) -> HTTPResponse:
    await _check_own_member(request, staff_id)
    who = current(request)
    t = translator(request, who)
    chosen = typed(request).get("role", "")
    if chosen not in {role.value for role in Role}:
        return await _staff_page(request, refusal=t("console.staff.pick_role"), status=422)
    try:
        async with request.app.ctx.db.transaction() as session:
            await change_role(session, who.merchant.id, staff_id, Role(chosen), by=who.staff.id)
    except OwnRoleUnchangeable:
        return await _staff_page(request, refusal=t("console.staff.own_role"), status=403)
    return redirect("/console/staff/", status=303)


@bp.post("/staff/<staff_id:uuid>/unlink")
@requires(Role.OWNER)
async def unlink_member(request: Request, staff_id: uuid.UUID) -> HTTPResponse:
    await _check_own_member(request, staff_id)
    async with request.app.ctx.db.transaction() as session:
        await unlink(session, current(request).merchant.id, staff_id)
    return redirect("/console/staff/", status=303)
