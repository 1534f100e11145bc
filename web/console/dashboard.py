"""The dashboard: what is live and what is coming, today's numbers, and the last 30 days, all
by the merchant's days (the statistics workers count each event on its merchant-local day)."""

from datetime import timedelta

from babel.dates import format_date
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from core.activities.service import activities_by_name, effective_status
from core.clock import utcnow
from core.staff.models import Role
from core.stats.totals import Total, merchant_totals
from web.console.access import current, requires
from web.console.chart import bar_chart
from web.console.pages import console_page, home_path, translator

bp = Blueprint("console_dashboard", url_prefix="/console")

CHART_DAYS = 30
# Today's key numbers, in this order; the chart draws the first.
KEY_METRICS = (
    "activity.played",
    "prize.won",
    "coupon.claimed",
    "coupon.redeemed",
    "activity.viewed",
)


@bp.get("/")
@requires(Role.CASHIER)
async def dashboard(request: Request) -> HTTPResponse:
    """The console's home: a cashier, who has no dashboard, is led to their own screen."""
    who = current(request)
    if not who.role.may_act_as(Role.MANAGER):
        return redirect(home_path(who.role), status=303)
    t, now = translator(request, who), utcnow()
    today = now.astimezone(t.timezone).date()
    first_day = today - timedelta(days=CHART_DAYS - 1)
    async with request.app.ctx.db.transaction(write=False) as session:
        activities = await activities_by_name(session, who.merchant.id)
        totals = await merchant_totals(
            session, who.merchant.id, KEY_METRICS, first_day=first_day, last_day=today
        )
    statuses = {activity.id: effective_status(activity, now) for activity in activities}
    days = [first_day + timedelta(days=n) for n in range(CHART_DAYS)]
    return console_page(
        request,
        who,
        "console/dashboard.html",
        title=t("console.menu.dashboard"),
        live=[a for a in activities if statuses[a.id] == "live"],
        scheduled=sorted(
            (a for a in activities if statuses[a.id] == "scheduled"), key=lambda a: a.starts_at
        ),
        today_numbers=[(metric, totals.get((today, metric), Total())) for metric in KEY_METRICS],
        chart=bar_chart(
            [format_date(day, "d MMM", locale=t.language) for day in days],
            [totals.get((day, KEY_METRICS[0]), Total()).count for day in days],
        ),
        today=format_date(today, "EEEE d MMMM", locale=t.language),
    )
