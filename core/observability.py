"""Structured logs for every process: JSON lines (or readable console lines in a terminal); and
metrics shared by the web processes of one `confetti serve`.

Events are named `domain.action.outcome`; context such as the request id is bound with
structlog's contextvars and lands on every line logged while handling that request.
"""

import logging
import os
import shutil
import sys
from pathlib import Path

import structlog


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer = (
        structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
        if fmt == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,  # so tests and later configuration see changes
    )
    handler = logging.StreamHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Sanic installs handlers of its own; route its loggers through ours instead.
    for name in ("sanic.root", "sanic.error", "sanic.server", "sanic.access", "sanic.websockets"):
        sanic_logger = logging.getLogger(name)
        sanic_logger.handlers[:] = []
        sanic_logger.propagate = True


# prometheus_client's multiprocess mode: read once, when prometheus_client is first imported.
METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def share_metrics_between_processes(directory: Path) -> None:
    """Before the web processes start (and before anything imports prometheus_client): each
    then keeps its metrics in files in `directory`, and a scrape of any one adds up all of
    them. Emptied first: an earlier run's counters would add in."""
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[METRICS_DIR_VARIABLE] = str(directory)


def metrics_shared() -> bool:
    return bool(os.environ.get(METRICS_DIR_VARIABLE))
