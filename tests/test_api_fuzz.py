"""Schemathesis throws generated requests at a running Confetti: none may produce a server
error, and every answer must match the documented status codes and schemas."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.fakes.fixtures import fake_telegram, fake_whatsapp  # noqa: F401
from tests.fakes.telegram import FakeTelegram
from tests.fakes.whatsapp import FakeWhatsApp
from tests.fixtures.processes import free_port, start_serving, stop_serving
from web.cli import main

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


async def test_generated_requests_never_get_a_server_error_or_an_undocumented_answer(
    env,
    tmp_path,
    fake_telegram: FakeTelegram,  # noqa: F811
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    demo = await asyncio.to_thread(CliRunner().invoke, main, ["demo"])
    key = next(word for word in demo.output.split() if word.startswith("cft_"))
    port = free_port()
    # Connecting a bot or a number asks the platform first: here, the fakes, which know none
    # of the generated tokens.
    env["CONFETTI_TELEGRAM_API_BASE"] = fake_telegram.base_url
    env["CONFETTI_WHATSAPP_API_BASE"] = f"{fake_whatsapp.base_url}/v21.0"
    server = start_serving(env, port, tmp_path / "serve.log")
    try:
        result = await asyncio.to_thread(
            subprocess.run,
            [
                SCHEMATHESIS,
                "run",
                f"http://127.0.0.1:{port}/api/v1/openapi.json",
                "-H",
                f"Authorization: Bearer {key}",
                "--max-examples",
                "15",
                "--seed",
                "20261125",
                "--checks",
                "not_a_server_error,response_schema_conformance,"
                "status_code_conformance,content_type_conformance",
            ],
            env={**os.environ, "NO_COLOR": "1"},
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop_serving(server)
    assert result.returncode == 0, result.stdout[-4000:]
