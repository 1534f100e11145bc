"""Schemathesis throws generated requests at a running Confetti: none may produce a server
error, and every answer must match the documented status codes and schemas."""

import os
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.fixtures.processes import free_port, start_serving, stop_serving
from web.cli import main

SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")


def test_generated_requests_never_get_a_server_error_or_an_undocumented_answer(
    env, tmp_path
) -> None:
    demo = CliRunner().invoke(main, ["demo"])
    key = next(word for word in demo.output.split() if word.startswith("cft_"))
    port = free_port()
    server = start_serving(env, port, tmp_path / "serve.log")
    try:
        result = subprocess.run(
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
