"""Request ids, one structured log line per request, and Prometheus metrics by route."""

import re
import time
import uuid

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sanic import Request, Sanic
from sanic.response import HTTPResponse, raw

from core.observability import metrics_shared

log = structlog.get_logger("confetti.web")
REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class HttpMetrics:
    def __init__(self) -> None:
        # One registry per app, so several apps in one process (tests) never collide.
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "confetti_http_requests_total",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "confetti_http_request_duration_seconds",
            "Time to answer HTTP requests, by route.",
            ["method", "route"],
            registry=self.registry,
        )

        self.outbox_pending = Gauge(
            "confetti_outbox_pending",
            "Events committed but not yet published.",
            multiprocess_mode="mostrecent",
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "confetti_outbox_oldest_seconds",
            "Age of the oldest unpublished event: the relay's lag.",
            multiprocess_mode="mostrecent",
            registry=self.registry,
        )

        self.queue_depth = Gauge(
            "confetti_queue_depth",
            "Messages waiting in each consumer's queue.",
            ["queue"],
            multiprocess_mode="mostrecent",
            registry=self.registry,
        )

    def observe_outbox(self, pending: int, oldest_seconds: float) -> None:
        self.outbox_pending.set(pending)
        self.outbox_oldest.set(oldest_seconds)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def render(self) -> HTTPResponse:
        """This process's metrics; with several web processes, all of theirs added up."""
        registry = self.registry
        if metrics_shared():
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
        return raw(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _route_label(request: Request) -> str:
    # The route pattern, never the raw path: raw paths would give unbounded label values.
    route = request.route
    return "/" + route.path.lstrip("/") if route else "unmatched"


def install(app: Sanic, metrics: HttpMetrics) -> None:
    @app.on_request(priority=100)
    async def _start(request: Request) -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request.ctx.request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.ctx.started = time.perf_counter()
        structlog.contextvars.bind_contextvars(request_id=request.ctx.request_id)

    @app.on_response(priority=100)
    async def _finish(request: Request, response: HTTPResponse) -> None:
        request_id = getattr(request.ctx, "request_id", None) or uuid.uuid4().hex
        started = getattr(request.ctx, "started", time.perf_counter())
        seconds = time.perf_counter() - started
        route = _route_label(request)
        response.headers[REQUEST_ID_HEADER] = request_id
        metrics.observe(request.method, route, response.status, seconds)
        log.info(
            "http.request.completed",
            request_id=request_id,
            method=request.method,
            route=route,
            status=response.status,
            duration_ms=round(seconds * 1000, 2),
        )
        structlog.contextvars.clear_contextvars()
