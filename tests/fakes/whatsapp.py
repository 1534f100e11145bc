"""A fake WhatsApp Cloud API (Graph API) server for tests.

``POST /{version}/{phone_number_id}/messages`` validates message bodies against the real limits
for the types we use and answers like graph.facebook.com; ``GET /{version}/{phone_number_id}``
returns the number's details. Every request is recorded.

Opt-in (``report_statuses``): like Meta, the fake then POSTs each accepted message's status
updates (sent, delivered, ...) to the number's webhook, signed with the app secret, in the
background, and retries while the webhook fails. ``reports`` records each one.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

ERRORS = {  # code -> title, default details
    100: ("Invalid parameter", "Invalid parameter"),
    130429: ("Rate limit hit", "Cloud API message throughput has been reached."),
    131000: ("Something went wrong", "Something went wrong"),
    131008: ("Required parameter is missing", "Required parameter is missing"),
    131009: ("Parameter value is not valid", "Parameter value is not valid"),
    131026: ("Message undeliverable", "Message Undeliverable."),
    131047: (
        "Re-engagement message",
        "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number.",
    ),
    131056: (
        "(Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    ),
    132001: ("Template name does not exist in the translation", "template name does not exist"),
}
# Types the fake validates in depth: text, image, interactive, template. Others pass through.
# fmt: off
MESSAGE_TYPES = {
    "text", "image", "interactive", "template",
    "audio", "video", "document", "sticker", "location", "contacts", "reaction",
}
# fmt: on
STATUSES = ("sent", "delivered", "read", "failed")
DEFAULT_WABA_ID = "102290129340398"


class GraphError(Exception):
    def __init__(self, status: int, code: int, details: str | None = None):
        title, default = ERRORS.get(code, ("Error", "Error"))
        super().__init__(f"(#{code}) {title}: {details or default}")
        self.status, self.code, self.title, self.details = status, code, title, details or default

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": f"(#{self.code}) {self.title}",
                "type": "OAuthException",
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": _trace_id(),
            }
        }


def _trace_id() -> str:
    return "A" + secrets.token_urlsafe(16)


def _graph_error(
    status: int, message: str, code: int, type: str = "OAuthException"
) -> web.Response:
    error = {"message": message, "type": type, "code": code, "fbtrace_id": _trace_id()}
    return web.json_response({"error": error}, status=status)


def _digits(number: Any) -> str:
    return "".join(ch for ch in str(number) if ch.isdigit())


@dataclass
class Call:
    http_method: str  # "GET" or "POST"
    phone_number_id: str
    token: str | None
    body: dict[str, Any]
    status: int = 200
    response: Any = None

    @property
    def to(self) -> str | None:
        return self.body.get("to")

    @property
    def type(self) -> str | None:
        return self.body.get("type", "text") if self.body.get("to") else None


@dataclass
class StatusReport:
    """One status webhook the fake POSTs for a message it accepted."""

    url: str
    message_id: str
    status: str
    body: bytes  # exactly as sent, and signed
    signature: str  # the X-Hub-Signature-256 header
    answers: list[int | str] = field(default_factory=list)  # per attempt: HTTP status or error
    outcome: str = "pending"  # then "delivered" (answered 2xx) or "abandoned" (out of attempts)

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass(frozen=True)
class _Reporting:
    url_for: Callable[[str], str]  # phone_number_id -> webhook URL (KeyError: not reported)
    app_secret: str
    statuses: tuple[str, ...]
    delay: float
    attempts: int
    backoff: float
    max_backoff: float


class FakeWhatsApp:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.numbers: dict[str, dict[str, str]] = {}  # phone_number_id -> details + token
        self.calls: list[Call] = []
        self.blocked: set[str] = set()  # wa_ids (digits) that cannot receive messages
        self.closed_windows: set[str] = set()  # wa_ids outside the 24-hour window
        self.templates: set[str] | None = None  # approved template names; None = any
        self.delay = 0.0
        self.reports: list[StatusReport] = []
        self._failures: deque[GraphError | None] = deque()  # None: this one goes through
        self._runner: web.AppRunner | None = None
        self._reporting: _Reporting | None = None
        self._report_tasks: set[asyncio.Task[None]] = set()
        self._report_client: aiohttp.ClientSession | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application()
        number_path = r"/{version:v\d+\.\d+}/{phone_number_id:\d+}"
        app.router.add_post(number_path + "/messages", self._messages)
        app.router.add_get(number_path, self._number)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        for task in self._report_tasks:
            task.cancel()
        await asyncio.gather(*self._report_tasks, return_exceptions=True)
        if self._report_client is not None:
            await self._report_client.close()
            self._report_client = None
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    # -- configuration ---------------------------------------------------------------------------

    def add_number(
        self,
        phone_number_id: str,
        access_token: str,
        display_phone_number: str = "+1 555-010-0199",
        verified_name: str = "Confetti Test Shop",
        waba_id: str = DEFAULT_WABA_ID,
    ) -> None:
        self.numbers[str(phone_number_id)] = {
            "access_token": access_token,
            "display_phone_number": display_phone_number,
            "verified_name": verified_name,
            "waba_id": waba_id,
        }

    def report_statuses(
        self,
        webhook_url: Callable[[str], str] | Mapping[str, str],
        app_secret: str,
        *,
        statuses: Sequence[str] = ("sent", "delivered"),
        delay: float = 0.0,
        attempts: int = 8,
        backoff: float = 0.1,
        max_backoff: float = 2.0,
    ) -> None:
        """From now on, report each accepted message's `statuses` as Meta does: a webhook POST
        per status, in order, to `webhook_url` (a function of the phone number id, or a mapping
        from it; numbers it has no URL for are not reported), signed with `app_secret`.

        The answer to the send does not wait: the reports go from a background task, `delay`
        seconds later. A report answered other than 2xx, or not at all, is tried again after
        `backoff` seconds, doubling up to `max_backoff`, `attempts` times in all."""
        unknown = set(statuses) - set(STATUSES)
        if unknown or attempts < 1:
            raise ValueError(f"statuses must be among {STATUSES}, attempts at least 1")
        url_for = webhook_url.__getitem__ if isinstance(webhook_url, Mapping) else webhook_url
        self._reporting = _Reporting(
            url_for, app_secret, tuple(statuses), delay, attempts, backoff, max_backoff
        )

    @property
    def reports_delivered(self) -> bool:
        """Whether every status report so far was answered 2xx."""
        return all(report.outcome == "delivered" for report in self.reports)

    def reported(self, status: str | None = None) -> list[StatusReport]:
        """The status reports that reached the webhook, optionally of one status."""
        return [
            report
            for report in self.reports
            if report.outcome == "delivered" and status in (None, report.status)
        ]

    def block(self, to: str) -> None:
        self.blocked.add(_digits(to))

    def outside_window(self, to: str) -> None:
        self.closed_windows.add(_digits(to))

    def fail_next(
        self,
        status: int = 429,
        code: int = 130429,
        details: str | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make ``times`` message sends fail (130429, 131056, 131000, ...), once the next
        ``after`` have gone through."""
        self._failures.extend([None] * after + [GraphError(status, code, details)] * times)

    def sent(self, to: str | None = None, type: str | None = None) -> list[Call]:
        """Messages accepted (status 200), optionally filtered; ``calls`` has every request."""
        return [
            call
            for call in self.calls
            if call.http_method == "POST"
            and call.status == 200
            and call.type is not None
            and (to is None or _digits(call.to) == _digits(to))
            and (type is None or call.type == type)
        ]

    # -- request handling ------------------------------------------------------------------------

    def _authorize(self, request: web.Request, call: Call) -> web.Response | None:
        auth = request.headers.get("Authorization", "")
        call.token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else None
        if not call.token:
            return _graph_error(401, "An access token is required to request this resource.", 190)
        number = self.numbers.get(call.phone_number_id)
        if number and number["access_token"] == call.token:
            return None
        if number is None and any(n["access_token"] == call.token for n in self.numbers.values()):
            return _graph_error(
                400,
                f"Unsupported {request.method.lower()} request. Object with ID "
                f"'{call.phone_number_id}' does not exist, cannot be loaded due to missing "
                "permissions, or does not support this operation.",
                100,
                "GraphMethodException",
            )
        return _graph_error(401, "Invalid OAuth access token - Cannot parse access token", 190)

    async def _number(self, request: web.Request) -> web.Response:
        call = Call("GET", request.match_info["phone_number_id"], None, dict(request.query))
        self.calls.append(call)
        if (denied := self._authorize(request, call)) is not None:
            call.status = denied.status
            return denied
        number = self.numbers[call.phone_number_id]
        call.response = {
            "verified_name": number["verified_name"],
            "code_verification_status": "VERIFIED",
            "display_phone_number": number["display_phone_number"],
            "quality_rating": "GREEN",
            "platform_type": "CLOUD_API",
            "throughput": {"level": "STANDARD"},
            "id": call.phone_number_id,
        }
        return web.json_response(call.response)

    async def _messages(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        call = Call("POST", request.match_info["phone_number_id"], None, {})
        self.calls.append(call)
        try:
            body = await request.json()
        except ValueError:
            body = None
        call.body = body if isinstance(body, dict) else {}
        if (denied := self._authorize(request, call)) is not None:
            call.status = denied.status
            return denied
        if body is not call.body:
            call.status = 400
            return _graph_error(400, "(#100) Invalid parameter", 100)
        try:
            call.response = self._send(call.body)
        except GraphError as error:
            call.status = error.status
            return web.json_response(error.body(), status=error.status)
        self._report(call)
        return web.json_response(call.response)

    def _send(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._failures and (failure := self._failures.popleft()) is not None:
            raise failure
        if body.get("messaging_product") != "whatsapp":
            raise GraphError(400, 100, "The parameter messaging_product is required.")
        if body.get("status") == "read":  # mark-as-read uses the same endpoint
            _require(body, "message_id")
            return {"success": True}
        to, kind = body.get("to"), body.get("type", "text")
        if not to or not _digits(to):
            raise GraphError(400, 100, "The parameter to is required.")
        if kind not in MESSAGE_TYPES:
            raise GraphError(400, 100, f"Param type must be one of {sorted(MESSAGE_TYPES)}")
        content = _require(body, kind)
        if kind == "text":
            _length(_require(content, "body", "text"), "Text body", 1, 4096)
        elif kind == "image":
            _check_image(content)
        elif kind == "interactive":
            _check_interactive(content)
        elif kind == "template":
            _check_template(content, self.templates)
        wa_id = _digits(to)
        if wa_id in self.blocked:
            raise GraphError(400, 131026)
        if wa_id in self.closed_windows and kind != "template":
            raise GraphError(400, 131047)
        message_id = "wamid." + base64.b64encode(f"{wa_id}{uuid.uuid4().hex}".encode()).decode()
        message: dict[str, str] = {"id": message_id}
        if kind == "template":
            message["message_status"] = "accepted"
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [message],
        }

    # -- status webhooks -------------------------------------------------------------------------

    def _report(self, call: Call) -> None:
        """Queue the status reports of a message just accepted, if reporting is on."""
        reporting = self._reporting
        if reporting is None or call.type is None:
            return
        try:
            url = reporting.url_for(call.phone_number_id)
        except KeyError:
            return
        message_id = call.response["messages"][0]["id"]
        reports = []
        for status in reporting.statuses:
            body = json.dumps(
                self._status_body(call, message_id, status), separators=(",", ":")
            ).encode()
            digest = hmac.new(reporting.app_secret.encode(), body, hashlib.sha256).hexdigest()
            reports.append(StatusReport(url, message_id, status, body, f"sha256={digest}"))
        self.reports.extend(reports)
        task = asyncio.get_running_loop().create_task(self._deliver_reports(reporting, reports))
        self._report_tasks.add(task)
        task.add_done_callback(self._report_tasks.discard)

    def _status_body(self, call: Call, message_id: str, status: str) -> dict[str, Any]:
        number = self.numbers[call.phone_number_id]
        wa_id = _digits(call.to)
        update: dict[str, Any] = {
            "id": message_id,
            "status": status,
            "timestamp": str(int(time.time())),
            "recipient_id": wa_id,
        }
        if "biz_opaque_callback_data" in call.body:
            update["biz_opaque_callback_data"] = call.body["biz_opaque_callback_data"]
        if status == "failed":
            update["errors"] = [
                {
                    "code": 131026,
                    "title": ERRORS[131026][0],
                    "message": ERRORS[131026][0],
                    "error_data": {"details": ERRORS[131026][1]},
                }
            ]
        elif status != "read":  # read receipts carry no conversation or pricing
            category = "utility" if call.type == "template" else "service"
            conversation = f"{call.phone_number_id}:{wa_id}:{category}".encode()
            update["conversation"] = {
                "id": hashlib.md5(conversation).hexdigest(),
                "origin": {"type": category},
            }
            update["pricing"] = {
                "billable": category != "service",  # service conversations are free
                "pricing_model": "CBP",
                "category": category,
            }
        metadata = {
            "display_phone_number": _digits(number["display_phone_number"]),
            "phone_number_id": call.phone_number_id,
        }
        value = {"messaging_product": "whatsapp", "metadata": metadata, "statuses": [update]}
        change = {"field": "messages", "value": value}
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": number["waba_id"], "changes": [change]}],
        }

    async def _deliver_reports(self, reporting: _Reporting, reports: list[StatusReport]) -> None:
        if reporting.delay:
            await asyncio.sleep(reporting.delay)
        for report in reports:
            await self._post_report(reporting, report)

    async def _post_report(self, reporting: _Reporting, report: StatusReport) -> None:
        if self._report_client is None:
            self._report_client = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "facebookexternalua",
            "X-Hub-Signature-256": report.signature,
        }
        wait = reporting.backoff
        for attempt in range(reporting.attempts):
            if attempt:
                await asyncio.sleep(wait)
                wait = min(wait * 2, reporting.max_backoff)
            try:
                async with self._report_client.post(
                    report.url, data=report.body, headers=headers
                ) as response:
                    report.answers.append(response.status)
                    if 200 <= response.status < 300:
                        report.outcome = "delivered"
                        return
            except (aiohttp.ClientError, TimeoutError) as error:
                report.answers.append(type(error).__name__)
        report.outcome = "abandoned"


# -- body validation (limits of the Cloud API) ------------------------------------------------


def _require(obj: Any, key: str, where: str | None = None) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if value in (None, "", [], {}):
        name = f"{where}['{key}']" if where else key
        raise GraphError(400, 131008, f"The parameter {name} is required.")
    return value


def _length(value: Any, what: str, low: int, high: int) -> None:
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise GraphError(
            400, 131009, f"{what} length invalid. Min length: {low}, Max length: {high}"
        )


def _check_url(url: Any, what: str) -> None:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise GraphError(400, 131009, f"{what} is not a valid URL")


def _check_image(image: dict[str, Any]) -> None:
    if image.get("link"):
        _check_url(image["link"], "Image link")
    elif not image.get("id"):
        raise GraphError(400, 131008, "The parameter image['link'] or image['id'] is required.")
    if "caption" in image:
        _length(image["caption"], "Caption", 1, 1024)


def _check_template(template: dict[str, Any], approved: set[str] | None) -> None:
    name = _require(template, "name", "template")
    _require(_require(template, "language", "template"), "code", "language")
    if approved is not None and name not in approved:
        raise GraphError(404, 132001, f"template name ({name}) does not exist")


def _check_interactive(interactive: dict[str, Any]) -> None:
    kind = _require(interactive, "type", "interactive")
    action = _require(interactive, "action", "interactive")
    body_text = _require(_require(interactive, "body", "interactive"), "text", "body")
    _length(body_text, "Body text", 1, 4096 if kind == "list" else 1024)
    if "footer" in interactive:
        _length((interactive["footer"] or {}).get("text"), "Footer text", 1, 60)
    header = interactive.get("header") or {}
    if header.get("type") == "text":
        _length(header.get("text"), "Header text", 1, 60)
    if kind == "button":
        buttons = action.get("buttons") or []
        if not 1 <= len(buttons) <= 3:
            raise GraphError(400, 131009, "Buttons count invalid. Min: 1, Max: 3")
        for button in buttons:
            if button.get("type") != "reply":
                raise GraphError(400, 131009, "Button type must be 'reply'")
            reply = _require(button, "reply", "button")
            _length(reply.get("id"), "Button id", 1, 256)
            _length(reply.get("title"), "Button title", 1, 20)
        ids = [button["reply"]["id"] for button in buttons]
        if len(set(ids)) != len(ids):
            raise GraphError(400, 131009, "Button ids must be unique")
    elif kind == "list":
        _length(action.get("button"), "Button label", 1, 20)
        sections = action.get("sections") or []
        if not 1 <= len(sections) <= 10:
            raise GraphError(400, 131009, "Sections count invalid. Min: 1, Max: 10")
        rows = [row for section in sections for row in section.get("rows") or []]
        if not 1 <= len(rows) <= 10:
            raise GraphError(400, 131009, "Total row count invalid. Min: 1, Max: 10")
        for section in sections:
            if len(sections) > 1 or "title" in section:
                _length(section.get("title"), "Section title", 1, 24)
        for row in rows:
            _length(row.get("id"), "Row id", 1, 200)
            _length(row.get("title"), "Row title", 1, 24)
            if "description" in row:
                _length(row["description"], "Row description", 1, 72)
        if len({row["id"] for row in rows}) != len(rows):
            raise GraphError(400, 131009, "Row ids must be unique")
    elif kind == "cta_url":
        if action.get("name") != "cta_url":
            raise GraphError(400, 131009, "action['name'] must be 'cta_url'")
        parameters = _require(action, "parameters", "action")
        _length(parameters.get("display_text"), "Display text", 1, 20)
        _check_url(parameters.get("url"), "URL")
    else:
        raise GraphError(400, 131009, f"Interactive type '{kind}' is not supported")
