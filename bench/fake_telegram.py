"""The test suite's fake Bot API (tests/fakes/telegram.py) as a process of its own, which also
times every message it is handed, so that the chat lines can count what reached "Telegram".

python -m bench.fake_telegram   (listens on CONFETTI_PORT; BENCH_BOT_TOKENS: the bots it knows,
comma-separated)

`GET /bot<token>/benchReceived?offset=N` answers, like any Bot API method, with the messages
received since the N-th: `[unix time, bot id, chat id]` each, in the order they came.
"""

import asyncio
import os
import signal
import time
from typing import Any

from tests.fakes.telegram import FakeTelegram


class TimedTelegram(FakeTelegram):
    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port)
        self.received: list[tuple[float, int, int]] = []

    def _m_sendmessage(self, token: str, params: dict) -> dict[str, Any]:
        return self._timed(token, super()._m_sendmessage(token, params))

    def _m_sendphoto(self, token: str, params: dict) -> dict[str, Any]:
        return self._timed(token, super()._m_sendphoto(token, params))

    def _m_benchreceived(self, token: str, params: dict) -> list[tuple[float, int, int]]:
        return self.received[int(params.get("offset") or 0) :]

    def _timed(self, token: str, message: dict[str, Any]) -> dict[str, Any]:
        self.received.append((time.time(), self.bots[token]["id"], message["chat"]["id"]))
        # The suite's fake keeps every call for its assertions; a bench makes too many to keep.
        self.calls.clear()
        return message


async def serve(port: int, tokens: list[str]) -> None:
    fake = TimedTelegram("127.0.0.1", port)
    for token in tokens:
        fake.add_bot(token, username=f"bench{token.split(':')[0]}_bot")
    await fake.start()
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await stopping.wait()
    await fake.stop()


if __name__ == "__main__":
    asyncio.run(serve(int(os.environ["CONFETTI_PORT"]), os.environ["BENCH_BOT_TOKENS"].split(",")))
