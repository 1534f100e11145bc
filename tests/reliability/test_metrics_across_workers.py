"""`confetti serve` with CONFETTI_WORKERS=2: requests land on both web processes, and one
scrape of /metrics, whichever process answers it, counts them all."""

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.processes import free_port
from tests.reliability.processes import kill, start_serving, stop, tail

REQUESTS = 200
# A route nothing else calls (the start-up's health checks may still be answered late), and
# cheap: without a key it answers 401 at once.
ROUTE = "/api/v1/merchant"


def requests_counted(exposition: str, route: str) -> float:
    """confetti_http_requests_total for `route`, over every method and status."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        if family.name == "confetti_http_requests"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels.get("route") == route
    )


def processes_counting(metrics_dir: Path) -> set[str]:
    """The web processes that kept counters: prometheus_client names each one's file by pid."""
    return {path.stem.removeprefix("counter_") for path in metrics_dir.glob("counter_*.db")}


async def test_metrics_add_up_the_requests_of_both_web_processes(env, tmp_path) -> None:
    env = {**env, "CONFETTI_WORKERS": "2"}
    port, log = free_port(), tmp_path / "serve.log"
    server = await start_serving(env, port, log, "--web-only")
    try:
        # A new connection for each request, so the kernel spreads them over both processes.
        fresh = httpx.Limits(max_keepalive_connections=0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=fresh) as client:
            for _ in range(REQUESTS):
                assert (await client.get(ROUTE)).status_code == 401
            scrape = await client.get("/metrics")
        assert scrape.status_code == 200
        assert requests_counted(scrape.text, ROUTE) == REQUESTS
        metrics_dir = Path(env["CONFETTI_DATA_DIR"]) / "metrics"
        assert len(processes_counting(metrics_dir)) == 2, "one process answered every request"
        assert await stop(server) == 0, tail(log)
    finally:
        await kill(server)
