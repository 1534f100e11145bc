"""The `confetti` command: serve, worker, migrate, demo, merchants, staff, codes, verify, dlq."""

import asyncio
import signal
import sys
import uuid
from contextlib import suppress
from functools import partial
from pathlib import Path

import click
import structlog
from pydantic import ValidationError
from sanic import Sanic
from sanic.worker.loader import AppLoader
from sanic.worker.manager import WorkerManager
from sanic.worker.process import WorkerProcess

from bots.telegram.staff_links import StaffLink, telegram_staff_link
from core.activities.service import activities_by_name, find_activity
from core.activities.verify import FairnessReport, fairness_report
from core.broker import Broker, BrokerUnavailable, broker_from_url
from core.codes.service import find_batch, import_codes
from core.db import Database
from core.demo import ensure_demo_merchant, ensure_demo_owner
from core.errors import ConfettiError, ValidationFailed
from core.merchants.schemas import MerchantCreate
from core.merchants.service import create_merchant, issue_api_key
from core.migrations import upgrade_to_head
from core.observability import metrics_shared, share_metrics_between_processes
from core.settings import Settings
from core.staff.models import Role
from core.staff.service import merchant_staff_by_email
from core.stock.fanout import SoldOutFanout
from web.cli_dlq import dlq
from web.cli_settings import command_settings

log = structlog.get_logger("confetti.cli")

WORKER_START_SECONDS = 120


@click.group()
def main() -> None:
    """Confetti: coupons, points, codes and activities for merchants in chat apps."""


@main.command()
def migrate() -> None:
    """Apply database migrations up to the newest."""
    settings = command_settings()

    async def run() -> None:
        db = Database(settings)
        try:
            await upgrade_to_head(db)
        finally:
            await db.dispose()

    asyncio.run(run())
    click.echo("Database is up to date.")


@main.command()
def demo() -> None:
    """Create the demo merchant if needed and print where to start."""
    settings = command_settings()

    async def run() -> tuple[str, str, tuple[str, str], list[tuple[str, str]]]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                merchant, key = await ensure_demo_merchant(session, settings.secret_key)
                owner = await ensure_demo_owner(session, merchant, settings.secret_key)
                activities = await activities_by_name(session, merchant.id)
                return merchant.name, key, owner, [(a.name, a.slug) for a in activities]
        finally:
            await db.dispose()

    name, key, (email, password), activities = asyncio.run(run())
    base = settings.base_url
    pages = [
        line
        for title, slug in activities
        for line in (
            f"  Share page    {base}/a/{slug}  ({title})",
            f"  Web chat      {base}/a/{slug}/chat",
        )
    ]
    click.echo(
        "\n".join(
            [
                "",
                f"  Confetti      {base}",
                f"  Console       {base}/console/",
                f"  Console login {email} / {password}",
                f"  API docs      {base}/api/v1/docs",
                f"  Health        {base}/healthz",
                f"  Demo merchant {name}",
                f"  API key       {key}",
                *pages,
                "",
                f"  Try: curl -H 'Authorization: Bearer {key}' {base}/api/v1/merchant",
                "",
            ]
        )
    )


@main.command()
@click.option("--host", help="Listen address (default: CONFETTI_HOST).")
@click.option("--port", type=int, help="Listen port (default: CONFETTI_PORT).")
@click.option(
    "--web-only", is_flag=True, help="Leave the relay and consumers to `confetti worker`."
)
def serve(host: str | None, port: int | None, web_only: bool) -> None:
    """Run the web app, and unless --web-only the relay and consumers in the same process."""
    settings = command_settings()
    settings.host = host or settings.host
    settings.port = port if port is not None else settings.port
    if settings.workers > 1 and not metrics_shared():  # an operator's own directory is kept
        share_metrics_between_processes(settings.data_dir / "metrics")
    from web.app import create_app
    from web.lingering import LingeringHttpProtocol

    factory = partial(create_app, settings, run_workers=not web_only)
    options = {
        "host": settings.host,
        "port": settings.port,
        "access_log": False,
        "motd": False,
        "protocol": LingeringHttpProtocol,
    }
    if settings.workers == 1:
        factory().run(single_process=True, **options)
        return
    # Sanic gives its web workers 30 s to start (in tenths of a second), with no setting: a
    # loaded 2-core machine takes longer to import the app twice, and Sanic then gives up.
    WorkerManager.THRESHOLD = WorkerProcess.THRESHOLD = WORKER_START_SECONDS * 10
    app = factory()
    app.prepare(workers=settings.workers, **options)
    Sanic.serve(primary=app, app_loader=AppLoader(factory=factory))


@main.command()
def worker() -> None:
    """Run the outbox relay and the consumers only (production: several at once)."""
    settings = command_settings()
    asyncio.run(_run_worker(settings))


async def _run_worker(settings: Settings) -> None:
    from bots.channels import ChatChannels
    from workers.runtime import WorkerRuntime

    db = Database(settings)
    broker = broker_from_url(settings.broker_url, namespace=settings.broker_namespace)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if not await _connect_until_stopped(broker, stop):
        await db.dispose()
        return
    channels = ChatChannels(settings)
    runtime = WorkerRuntime(settings, db, broker, channels=channels)
    # A worker gives stock back too (an envelope group that expired): web processes must hear.
    fanout = SoldOutFanout(broker, db.sold_out)
    try:
        await fanout.start()
        await runtime.start()
        await stop.wait()
        log.info("worker.stopping")
    finally:
        await runtime.stop()
        await fanout.stop()
        await channels.close()
        await broker.close()
        await db.dispose()


async def _connect_until_stopped(broker: Broker, stop: asyncio.Event) -> bool:
    """Wait for the broker however long it is down (events wait safely in the outbox);
    False if told to stop first. Once connected, the connection reconnects by itself."""
    wait = 1.0
    while not stop.is_set():
        try:
            await broker.connect()
            return True
        except BrokerUnavailable as exc:
            log.warning("worker.broker.unavailable", error=str(exc), retry_in=wait)
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
        wait = min(wait * 2, 30.0)
    return False


@main.group()
def merchants() -> None:
    """Manage merchants."""


@merchants.command("create")
@click.option("--name", required=True)
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR.")
@click.option("--timezone", required=True, help="IANA timezone, e.g. Europe/Madrid.")
def create_merchant_command(name: str, currency: str, timezone: str) -> None:
    """Create a merchant and print its first API key (shown only this once)."""
    settings = command_settings()
    try:
        data = MerchantCreate(name=name, currency=currency, timezone=timezone)
    except ValidationError as exc:
        error = ValidationFailed.from_pydantic(exc)
        raise click.BadParameter(error.message, param_hint=f"--{error.field}") from None

    async def run() -> tuple[str, str]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                merchant = await create_merchant(session, data)
                _, key = await issue_api_key(session, merchant.id, name="first key")
                return str(merchant.id), key
        finally:
            await db.dispose()

    merchant_id, key = asyncio.run(run())
    click.echo(f"Merchant {merchant_id} created.")
    click.echo(f"API key (shown only now): {key}")


@main.group()
def staff() -> None:
    """Manage staff members."""


@staff.command("link")
@click.option("--merchant", "merchant_id", required=True, type=click.UUID)
@click.option(
    "--role",
    type=click.Choice([role.value for role in Role]),
    help="A new staff member of this role, who works from Telegram only.",
)
@click.option("--email", help="An existing staff member (their console e-mail) instead.")
def staff_link_command(merchant_id: uuid.UUID, role: str | None, email: str | None) -> None:
    """Print a one-time link (valid 10 minutes) that links a Telegram account to a staff
    member in the merchant's own bot."""
    if (role is None) == (email is None):
        raise click.UsageError(
            "give either --role (a new staff member) or --email (an existing one)"
        )
    settings = command_settings()

    async def run() -> StaffLink:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                found = (
                    await merchant_staff_by_email(session, merchant_id, email) if email else None
                )
                return await telegram_staff_link(
                    session,
                    merchant_id,
                    base_url=settings.base_url,
                    staff_id=found.id if found else None,
                    role=Role(role) if role else None,
                )
        finally:
            await db.dispose()

    try:
        link = asyncio.run(run())
    except ConfettiError as refusal:
        click.echo(f"confetti: {refusal.message}", err=True)
        sys.exit(1)
    click.echo(link.url)
    click.echo(f"Open it in Telegram before {link.expires_at:%Y-%m-%d %H:%M} UTC; it works once.")


@main.group()
def codes() -> None:
    """Manage redemption codes."""


@codes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", "batch_id", required=True, type=click.UUID, help="An imported batch.")
def import_codes_command(file: Path, batch_id: uuid.UUID) -> None:
    """Import a partner's CSV of codes into a batch: every row good, or nothing imported."""
    settings = command_settings()
    data = file.read_bytes()

    async def run() -> tuple[int, int]:
        db = Database(settings)
        try:
            async with db.transaction() as session:
                batch = await find_batch(session, batch_id)
                if batch is None:
                    raise click.BadParameter("no such batch", param_hint="--batch")
                rows = data.count(b"\n") or 1
                with click.progressbar(
                    length=rows, label="Importing codes", file=sys.stderr
                ) as bar:
                    _, imported, present = await import_codes(
                        session, batch.merchant_id, batch_id, data, progress=bar.update
                    )
                return imported, present
        finally:
            await db.dispose()

    try:
        imported, present = asyncio.run(run())
    except ConfettiError as refusal:
        click.echo(f"confetti: {refusal.message}", err=True)
        sys.exit(1)
    click.echo(f"Imported {imported} codes ({present} were already there).")


@main.command()
@click.option("--activity", "activity_id", required=True, type=click.UUID)
def verify(activity_id: uuid.UUID) -> None:
    """Re-check every try of an ended activity against its revealed server seed."""
    settings = command_settings()

    async def run() -> FairnessReport:
        db = Database(settings)
        try:
            async with db.transaction(write=False) as session:
                activity = await find_activity(session, activity_id)
                if activity is None:
                    raise click.BadParameter("no such activity", param_hint="--activity")
                return await fairness_report(session, activity)
        finally:
            await db.dispose()

    report = asyncio.run(run())
    if report.server_seed is None:
        click.echo(report.note)
        sys.exit(1)
    click.echo(f"Server seed matches its published hash: {report.seed_matches_hash}")
    click.echo(f"Tries checked: {report.tries_checked}; mismatches: {len(report.mismatches)}")
    for play_id in report.mismatches:
        click.echo(f"  mismatch: try {play_id}")
    sys.exit(0 if report.seed_matches_hash and not report.mismatches else 1)


main.add_command(dlq)
