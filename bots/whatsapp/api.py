"""Talking to the WhatsApp Cloud API (Graph API): rendering a `Reply`, sending it, and saying in
the delivery layer's words why a message did not go.

WhatsApp cannot edit a sent message, so a reply that replaces another is sent anew. One reply
may take more than one message (an image before a list, a link button after the main message);
the chat sender records each as it goes, so none is sent twice.
"""

from typing import Any
from urllib.parse import quote

import httpx
import structlog

from bots.conversation.messages import Link, Option, Reply
from bots.delivery import (
    DeliveryProblem,
    OutsideWindow,
    PartsSent,
    RateLimited,
    SendFailed,
    Sent,
    Unreachable,
)
from core.channels.errors import ChannelRejected
from core.channels.models import ChannelAccount
from core.channels.outgoing import part_tag
from core.errors import ServiceUnavailable

log = structlog.get_logger("confetti.whatsapp")

# Limits of the Cloud API, in characters.
TEXT_MAX = 4096
CAPTION_MAX = 1024
INTERACTIVE_BODY_MAX = 1024
LIST_BODY_MAX = 4096
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
MAX_BUTTONS = 3
MAX_ROWS = 10
TEMPLATE_PARAMETER_MAX = 1024
LIST_BUTTON_LABEL = "☰ Options"
# An interactive message needs a body; a reply made of buttons alone points at them.
EMPTY_BODY = "👇"

# Graph error codes, and how long to wait when the API gives no Retry-After (it never does).
_RATE_LIMITS = {
    130429: 2.0,  # the number's throughput
    131056: 5.0,  # too many messages to the same customer in a short time
    4: 60.0,  # the app's hourly call budget
    80007: 60.0,  # the WhatsApp Business Account's call budget
}
_UNREACHABLE = {131026}
_OUTSIDE_WINDOW = {131047}
_TOKEN_REJECTED = {190}
# "Something went wrong" / "service unavailable": the same message may well go later.
_TRANSIENT = {1, 2, 131000, 131016}
DEFAULT_RATE_LIMIT_WAIT = 2.0


class WhatsAppSender:
    """The `ChannelSender` for WhatsApp numbers; one HTTP client shared by every account."""

    # Meta's status webhooks echo the tag (`biz_opaque_callback_data`) of each message.
    reports_status = True

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        # The base includes the Graph API version: https://graph.facebook.com/v21.0
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None

    async def send(
        self,
        account: ChannelAccount,
        credentials: dict[str, str],
        address: str,
        reply: Reply,
        *,
        replacing: str | None,
        tag: str,
        parts_sent: int = 0,
        on_part_sent: PartsSent | None = None,
    ) -> Sent:
        """Send the messages `reply` takes but the first `parts_sent`; the last one's wamid
        comes back.

        `replacing` is ignored: WhatsApp cannot edit. After each message but the last,
        `on_part_sent` records how many went, so a retry after a failure between them goes on
        from there. Each carries a tag: the last `tag`, whose status says the whole reply went;
        the others `tag:<part>`, whose status says that part went (should the process die
        before it recorded so).
        """
        contents = render_reply(reply)
        last = len(contents) - 1
        sent = Sent(provider_message_id=None)
        for part in range(min(parts_sent, last), last + 1):
            callback = tag if part == last else part_tag(tag, part)
            content = {**contents[part], "biz_opaque_callback_data": callback}
            sent = await self._post_message(account, credentials, address, content)
            if part < last and on_part_sent is not None:
                await on_part_sent(part + 1)
        return sent

    async def send_template(
        self,
        account: ChannelAccount,
        credentials: dict[str, str],
        address: str,
        *,
        template: str,
        language: str,
        text: str,
        tag: str,
    ) -> Sent:
        content: dict[str, Any] = {"name": template, "language": {"code": language}}
        parameter = template_parameter(text)
        if parameter:
            content["components"] = [
                {"type": "body", "parameters": [{"type": "text", "text": parameter}]}
            ]
        message = {"type": "template", "template": content, "biz_opaque_callback_data": tag}
        return await self._post_message(account, credentials, address, message)

    @property
    def _client(self) -> httpx.AsyncClient:
        """Opened on first use, and again after `close` (an app can be started more than once)."""
        if self._http is None or self._http.is_closed:
            self._http = httpx.AsyncClient(timeout=self._timeout, follow_redirects=False)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    async def _post_message(
        self,
        account: ChannelAccount,
        credentials: dict[str, str],
        address: str,
        content: dict[str, Any],
    ) -> Sent:
        url = f"{self._base}/{quote(account.external_id, safe='')}/messages"
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": address,
            **content,
        }
        headers = {"Authorization": f"Bearer {credentials.get('access_token', '')}"}
        try:
            response = await self._client.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            # Refused or never connected: the request did not go. Anything later (a timeout
            # waiting for the answer, a broken connection): it may have.
            unsent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
            problem: DeliveryProblem = SendFailed(
                f"WhatsApp unreachable: {type(exc).__name__}", maybe_sent=not unsent
            )
            _log_failure(account, address, content, problem, status=None, code=None)
            raise problem from exc
        payload = _json_or_none(response)
        if response.is_success:
            return Sent(provider_message_id=_message_id(payload))
        code, message = _graph_error(payload)
        problem = delivery_problem(response.status_code, code, message)
        _log_failure(account, address, content, problem, status=response.status_code, code=code)
        raise problem


# -- rendering ----------------------------------------------------------------------------------


def render_reply(reply: Reply) -> list[dict[str, Any]]:
    """The message contents (`type` and its object) that show `reply`, in sending order."""
    options = reply.options
    if not options:
        if reply.link is not None:
            return _with_link(reply.text, reply.image_url, reply.link)
        messages = _plain(reply.text, reply.image_url)
        if not messages:
            raise SendFailed("an empty reply: no text, image, options or link", permanent=True)
        return messages
    if len(options) <= MAX_BUTTONS:
        messages = [_buttons(reply.text, reply.image_url, options)]
    elif len(options) <= MAX_ROWS:
        image = [_image(reply.image_url)] if reply.image_url else []
        messages = [*image, _list(reply.text, options)]
    else:
        messages = _plain(_numbered(reply.text, options), reply.image_url)
    if reply.link is not None:
        messages.append(_cta(reply.link.title, None, reply.link))
    return messages


def _plain(text: str, image_url: str | None) -> list[dict[str, Any]]:
    """Text, an image with the text as caption, or an image then the text if it is too long for
    a caption."""
    if image_url is None:
        return [_text(text)] if text.strip() else []
    if not text.strip():
        return [_image(image_url)]
    if len(text) <= CAPTION_MAX:
        return [_image(image_url, caption=text)]
    return [_image(image_url), _text(text)]


def _with_link(text: str, image_url: str | None, link: Link) -> list[dict[str, Any]]:
    """Text and a link become one link-button message, unless the text is too long for its
    body: then the text goes first and the button follows with the link's title."""
    if len(text) <= INTERACTIVE_BODY_MAX:
        return [_cta(text, image_url, link)]
    return [*_plain(text, image_url), _cta(link.title, None, link)]


def _text(text: str) -> dict[str, Any]:
    body = clip(text, TEXT_MAX)
    return {"type": "text", "text": {"body": body, "preview_url": "https://" in body}}


def _image(url: str, caption: str | None = None) -> dict[str, Any]:
    image = {"link": url}
    if caption:
        image["caption"] = clip(caption, CAPTION_MAX)
    return {"type": "image", "image": image}


def _interactive(kind: str, body: str, limit: int, action: dict, **extra: Any) -> dict[str, Any]:
    body_text = clip(body, limit) or EMPTY_BODY
    interactive = {"type": kind, "body": {"text": body_text}, "action": action}
    return {"type": "interactive", "interactive": {**interactive, **extra}}


def _image_header(image_url: str | None) -> dict[str, Any]:
    return {"header": {"type": "image", "image": {"link": image_url}}} if image_url else {}


def _buttons(text: str, image_url: str | None, options: tuple[Option, ...]) -> dict[str, Any]:
    buttons = [
        {"type": "reply", "reply": {"id": option.id, "title": _title(option, BUTTON_TITLE_MAX)}}
        for option in options
    ]
    action = {"buttons": buttons}
    return _interactive("button", text, INTERACTIVE_BODY_MAX, action, **_image_header(image_url))


def _list(text: str, options: tuple[Option, ...]) -> dict[str, Any]:
    rows = []
    for option in options:
        row = {"id": option.id, "title": _title(option, ROW_TITLE_MAX)}
        if len(option.title.strip()) > ROW_TITLE_MAX:
            # The description line shows what the short title cut off.
            row["description"] = clip(option.title, ROW_DESCRIPTION_MAX)
        rows.append(row)
    action = {"button": LIST_BUTTON_LABEL, "sections": [{"rows": rows}]}
    return _interactive("list", text, LIST_BODY_MAX, action)


def _title(option: Option, limit: int) -> str:
    return clip(option.title, limit) or clip(option.id, limit)


def _numbered(text: str, options: tuple[Option, ...]) -> str:
    """More options than a list holds: the customer types a number (the conversation layer maps
    it back to the option). The numbers must survive, so the text gives way first."""
    numbers = "\n".join(f"{n}. {option.title.strip()}" for n, option in enumerate(options, 1))
    room = TEXT_MAX - len(numbers) - 2
    head = clip(text, room) if room > 0 else ""
    return f"{head}\n\n{numbers}" if head else numbers


def _cta(body: str, image_url: str | None, link: Link) -> dict[str, Any]:
    parameters = {"display_text": clip(link.title, BUTTON_TITLE_MAX) or "Open", "url": link.url}
    action = {"name": "cta_url", "parameters": parameters}
    return _interactive("cta_url", body, INTERACTIVE_BODY_MAX, action, **_image_header(image_url))


def clip(text: str, limit: int) -> str:
    """`text` within `limit` characters, ending in "…" where it was cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def template_parameter(text: str) -> str:
    """A template's body parameter: WhatsApp refuses new lines, tabs and runs of more than four
    spaces in one, so all whitespace collapses to single spaces."""
    return clip(" ".join(text.split()), TEMPLATE_PARAMETER_MAX)


# -- errors -------------------------------------------------------------------------------------


def delivery_problem(status: int, code: int | None, message: str) -> DeliveryProblem:
    """A Graph API error as the delivery layer's exception."""
    reason = f"WhatsApp error {code}: {message}" if code is not None else f"HTTP {status}"
    if code in _RATE_LIMITS:
        return RateLimited(reason, retry_after=_RATE_LIMITS[code])
    if status == 429:
        return RateLimited(reason, retry_after=DEFAULT_RATE_LIMIT_WAIT)
    if code in _UNREACHABLE:
        return Unreachable(reason)
    if code in _OUTSIDE_WINDOW:
        return OutsideWindow(reason)
    if status == 401 or code in _TOKEN_REJECTED:
        return SendFailed("access token rejected", permanent=True)
    if status >= 500 or code in _TRANSIENT:
        return SendFailed(reason, permanent=False)
    return SendFailed(reason, permanent=True)


def _graph_error(payload: Any) -> tuple[int | None, str]:
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None, "no error details"
    code = error.get("code")
    message = str(error.get("message") or "no message")
    details = error.get("error_data")
    if isinstance(details, dict) and details.get("details"):
        message = f"{message}: {details['details']}"
    return (code if isinstance(code, int) else None), message


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _message_id(payload: Any) -> str | None:
    messages = payload.get("messages") if isinstance(payload, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[0], dict):
        message_id = messages[0].get("id")
        return message_id if isinstance(message_id, str) else None
    return None


def masked(address: str) -> str:
    """A phone number fit for logs: only its last four digits."""
    return "…" + address[-4:] if len(address) > 4 else "…"


def _log_failure(
    account: ChannelAccount,
    address: str,
    content: dict[str, Any],
    problem: DeliveryProblem,
    *,
    status: int | None,
    code: int | None,
) -> None:
    log.info(
        "whatsapp.send.failed",
        merchant_id=str(account.merchant_id),
        account_id=str(account.id),
        to=masked(address),
        message_type=content.get("type"),
        http_status=status,
        graph_code=code,
        problem=type(problem).__name__,
    )


# -- set-up -------------------------------------------------------------------------------------


async def verify_number(
    base_url: str,
    phone_number_id: str,
    access_token: str,
    *,
    timeout: float = 10.0,  # noqa: ASYNC109 - the HTTP client's own timeout
) -> str:
    """Check a phone number id and access token with the Graph API; the number's display phone
    number comes back."""
    if not phone_number_id.isascii() or not phone_number_id.isdigit():
        raise ChannelRejected("A WhatsApp phone number id is made of digits only.")
    url = f"{base_url.rstrip('/')}/{phone_number_id}"
    headers = {"Authorization": f"Bearer {access_token}"}
    params = {"fields": "display_phone_number,verified_name"}
    try:
        async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
            response = await client.get(url, headers=headers, params=params)
    except httpx.HTTPError as exc:
        log.warning("whatsapp.verify.unreachable", error=type(exc).__name__)
        raise ServiceUnavailable("WhatsApp could not be reached; try again shortly.") from exc
    payload = _json_or_none(response)
    if response.status_code >= 500:
        raise ServiceUnavailable("WhatsApp is not answering properly; try again shortly.")
    if not response.is_success:
        _, message = _graph_error(payload)
        raise ChannelRejected(f"WhatsApp refused the phone number id or access token: {message}")
    display = payload.get("display_phone_number") if isinstance(payload, dict) else None
    if not isinstance(display, str) or not display:
        raise ServiceUnavailable("WhatsApp did not say which number this is; try again shortly.")
    return display
