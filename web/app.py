"""The Sanic application factory."""

from itertools import count
from pathlib import Path

import swagger_ui_bundle
from sanic import Request, Sanic
from sanic.response import HTTPResponse, json
from sanic_ext import Extend, openapi
from sanic_ext.extensions.openapi.builders import SpecificationBuilder

from bots.channels import ChatChannels
from core.broker import Broker, broker_from_url
from core.db import Database
from core.settings import Settings
from core.stock.fanout import SoldOutFanout
from web import assets, console, health, limits, observability, qr, share, webchat, webhooks
from web.api import API_PREFIX, api_blueprints
from web.console.errors import install_unrouted_pages
from web.errors import JSONErrorHandler
from web.webhooks import telegram as telegram_webhooks
from workers.runtime import WorkerRuntime

DOCS_PREFIX = f"{API_PREFIX}/docs"
_app_numbers = count(1)


def create_app(
    settings: Settings,
    *,
    db: Database | None = None,
    broker: Broker | None = None,
    run_workers: bool = False,
) -> Sanic:
    """Build the app. Given a db or broker, the caller owns it; otherwise the app opens and
    closes its own with the server. `run_workers` also runs the relay and consumers in-process."""
    number = next(_app_numbers)
    app = Sanic(
        "confetti" if number == 1 else f"confetti_{number}",
        error_handler=JSONErrorHandler(),
        configure_logging=False,
    )
    _configure(app, settings)
    app.ctx.settings = settings
    app.ctx.db = db or Database(settings)
    app.ctx.broker = broker or broker_from_url(
        settings.broker_url, namespace=settings.broker_namespace
    )
    app.ctx.sold_out_fanout = SoldOutFanout(app.ctx.broker, app.ctx.db.sold_out)
    app.ctx.channels = ChatChannels(settings)
    app.ctx.metrics = observability.HttpMetrics()
    observability.install(app, app.ctx.metrics)
    limits.install(app, max_body_bytes=settings.max_body_bytes)
    _add_docs(app)
    install_unrouted_pages(app)
    app.blueprint(api_blueprints())
    app.blueprint(
        [
            health.bp,
            webhooks.bp,
            telegram_webhooks.bp,
            console.bp,
            share.bp,
            webchat.bp,
            qr.bp,
            assets.bp,
        ]
    )
    _manage_resources(app, owns_db=db is None, owns_broker=broker is None, run_workers=run_workers)
    return app


def _configure(app: Sanic, settings: Settings) -> None:
    app.config.FALLBACK_ERROR_FORMAT = "json"
    app.config.ACCESS_LOG = False  # observability logs one structured line per request
    app.config.OAS_URL_PREFIX = DOCS_PREFIX
    app.config.OAS_UI_DEFAULT = "swagger"
    app.config.OAS_UI_REDOC = False
    app.config.OAS_PATH_TO_SWAGGER_HTML = str(Path(__file__).parent / "templates/swagger.html")
    app.config.OAS_UI_SWAGGER_HTML_TITLE = "Confetti API"
    app.config.CORS = False
    app.config.HEALTH = False
    # Automatic HEAD/OPTIONS routes rebuild the router once per route: slow to start, and the
    # API has no use for them.
    app.config.HTTP_AUTO_HEAD = False
    app.config.HTTP_AUTO_OPTIONS = False


def _add_docs(app: Sanic) -> None:
    Extend(app)
    app.ext.openapi.describe(
        "Confetti API",
        version="1",
        description="Coupons, points, codes and activities for merchants who sell in chat apps.",
    )
    app.ext.openapi.add_security_scheme("apiKey", "http", scheme="bearer")
    app.static(f"{DOCS_PREFIX}/static", swagger_ui_bundle.swagger_ui_path, name="swagger_static")

    @app.get(f"{API_PREFIX}/openapi.json")
    @openapi.exclude()
    async def openapi_json(request: Request) -> HTTPResponse:
        return json(SpecificationBuilder().build(request.app).serialize())


def _manage_resources(app: Sanic, *, owns_db: bool, owns_broker: bool, run_workers: bool) -> None:
    @app.before_server_start
    async def _open(app: Sanic) -> None:
        if owns_broker:
            await app.ctx.broker.connect()
        await app.ctx.sold_out_fanout.start()
        if run_workers:
            app.ctx.workers = WorkerRuntime(
                app.ctx.settings, app.ctx.db, app.ctx.broker, channels=app.ctx.channels
            )
            await app.ctx.workers.start()

    @app.after_server_stop
    async def _close(app: Sanic) -> None:
        if run_workers:
            await app.ctx.workers.stop()
        await app.ctx.channels.close()
        await app.ctx.sold_out_fanout.stop()
        if owns_broker:
            await app.ctx.broker.close()
        if owns_db:
            await app.ctx.db.dispose()
