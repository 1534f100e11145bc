"""Sanic's HTTP/1.1 protocol, closing with a lingering close when a request's body was left
unread (a 413 for a body over CONFETTI_MAX_BODY_BYTES, or a malformed chunked body).

Sanic answers such a request at once and closes the socket. The kernel then meets the body's
bytes still arriving on a closed socket and sends a reset, which throws away the answer before
the client reads it: the client sees the connection drop instead of the 413. Here the answer is
sent, the writing half shut (the client reads the answer to its end), and what the client still
sends is read and thrown away, within bounds, before the socket closes, as web servers
generally do.
"""

from sanic.http import Http
from sanic.server.protocols.http_protocol import HttpProtocol

# Enough for a client to finish sending a large refused body over a slow link, and still short
# enough that a client which never stops cannot hold the connection for long.
LINGER_SECONDS = 5.0
LINGER_MAX_BYTES = 64 * 1024 * 1024


class LingeringHttpProtocol(HttpProtocol):
    __slots__ = ("_connection_http", "_discarded", "_lingering")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._connection_http: Http | None = None
        self._lingering = False
        self._discarded = 0

    def _setup_connection(self) -> None:
        super()._setup_connection()
        # Sanic drops its reference to the connection's Http before it closes; keep ours to
        # see at close whether a request body was left unread.
        self._connection_http = self._http

    def close(self, timeout: float | None = None) -> None:
        http, self._connection_http = self._connection_http, None
        transport = self.transport
        body_unread = http is not None and bool(http.request_body)
        if self._lingering or not body_unread or transport is None or transport.is_closing():
            super().close(timeout)
            return
        self._lingering = True
        transport.write_eof()  # after the buffered answer
        transport.resume_reading()
        self.loop.call_later(LINGER_SECONDS, super().close)

    def data_received(self, data: bytes) -> None:
        if not self._lingering:
            super().data_received(data)
            return
        self._discarded += len(data)
        if self._discarded > LINGER_MAX_BYTES:
            super().close()
