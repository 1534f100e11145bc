"""What WhatsApp's webhook delivers, checked and turned into the conversation layer's `Incoming`.

Meta signs each delivery with the app secret (`X-Hub-Signature-256`) and may send one body with
several entries, changes and messages, and for other numbers of the same app: only this
account's number counts. Payloads are read defensively: an odd one never raises a KeyError,
and every text in them is cleaned (core/text.py), so a NUL in a profile name, a message or an
id never reaches the database.
"""

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from bots.conversation.messages import Incoming
from core.channels.models import ChannelAccount
from core.text import clean_text

SIGNATURE_PREFIX = "sha256="
WEBHOOK_OBJECT = "whatsapp_business_account"
# Limits of `Incoming`'s fields: longer values are cut rather than refused.
TEXT_MAX = 4096
OPTION_MAX = 256
NAME_MAX = 200
ADDRESS_MAX = 128


@dataclass(frozen=True)
class StatusUpdate:
    """Meta's later word on a message we sent: sent, delivered, read, or failed (with why)."""

    provider_message_id: str
    status: str
    tag: str | None  # the `biz_opaque_callback_data` it was sent with
    reason: str | None = None

    @property
    def delivered(self) -> bool:
        return self.status in ("sent", "delivered", "read")


def signature_valid(app_secret: str, raw_body: bytes, header: str | None) -> bool:
    """Whether `header` is `sha256=<hex HMAC-SHA256 of raw_body keyed by app_secret>`."""
    if not app_secret or not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    presented = header[len(SIGNATURE_PREFIX) :].strip().lower()
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(presented.encode(), expected.encode())


def parse_webhook(
    body: object, account: ChannelAccount
) -> list[tuple[str, Incoming | StatusUpdate]]:
    """Each message and status update for `account`'s number, keyed by the platform's id.

    Raises ValueError if `body` is not a WhatsApp webhook at all.
    """
    if not isinstance(body, dict):
        raise ValueError("A WhatsApp webhook body is a JSON object.")
    if body.get("object", WEBHOOK_OBJECT) != WEBHOOK_OBJECT:
        raise ValueError(f"Not a WhatsApp webhook: 'object' is not '{WEBHOOK_OBJECT}'.")
    entries = body.get("entry")
    if not isinstance(entries, list):
        raise ValueError("A WhatsApp webhook body has an 'entry' list.")
    updates: list[tuple[str, Incoming | StatusUpdate]] = []
    for value in _message_values(entries):
        metadata = _dict(value.get("metadata"))
        if str(metadata.get("phone_number_id", "")) != account.external_id:
            continue
        names = _contact_names(value.get("contacts"))
        for message in _dicts(value.get("messages")):
            parsed = _message(message, account, names)
            if parsed is not None:
                updates.append(parsed)
        for status in _dicts(value.get("statuses")):
            if _str(status.get("id")):
                update = _status(status)
                updates.append((f"status:{update.provider_message_id}:{update.status}", update))
    return updates


def _status(status: dict[str, Any]) -> StatusUpdate:
    reason = None
    errors = _dicts(status.get("errors"))
    if errors:
        code, title = errors[0].get("code"), _str(errors[0].get("title"))
        if code is not None:  # any JSON value: it is made one clean line with the title
            reason = clean_text(f"WhatsApp error {code}: {title}", one_line=True)
        else:
            reason = title or None
    return StatusUpdate(
        provider_message_id=_str(status.get("id"))[:128],
        status=_str(status.get("status"))[:16],
        tag=_str(status.get("biz_opaque_callback_data")) or None,
        reason=reason,
    )


def _message_values(entries: list) -> list[dict[str, Any]]:
    """The `value` of every change of field "messages"."""
    return [
        _dict(change.get("value"))
        for entry in _dicts(entries)
        for change in _dicts(entry.get("changes"))
        if change.get("field") == "messages"
    ]


def _contact_names(contacts: object) -> dict[str, str]:
    names = {}
    for contact in _dicts(contacts):
        name = _str(_dict(contact.get("profile")).get("name")).strip()
        wa_id = _str(contact.get("wa_id"))
        if wa_id and name:
            names[wa_id] = name[:NAME_MAX]
    return names


def _message(
    message: dict[str, Any], account: ChannelAccount, names: dict[str, str]
) -> tuple[str, Incoming] | None:
    """One customer message; None if it names no sender or has no id to deduplicate by."""
    wamid, sender = _str(message.get("id")), _str(message.get("from")).strip()
    if not wamid or not sender or len(sender) > ADDRESS_MAX:
        return None
    kind, text, option = _content(message)
    incoming = Incoming(
        channel="whatsapp",
        merchant_id=account.merchant_id,
        account_id=account.id,
        address=sender,
        name=names.get(sender),
        kind=kind,
        text=text[:TEXT_MAX],
        option=option[:OPTION_MAX] if option else None,
    )
    return wamid, incoming


def _content(message: dict[str, Any]) -> tuple[str, str, str | None]:
    """(kind, text, option). Anything we cannot read (an image, a location, a sticker, an
    unsupported message) is empty text: the conversation layer answers with the menu."""
    kind = message.get("type")
    if kind == "text":
        return "text", _text(_dict(message.get("text")).get("body")), None
    if kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply_type = interactive.get("type")
        if reply_type in ("button_reply", "list_reply"):
            option = _str(_dict(interactive.get(reply_type)).get("id"))
            if option:
                return "button", "", option
    if kind == "button":  # a quick-reply button of a template message
        return "text", _text(_dict(message.get("button")).get("text")), None
    return "text", "", None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _str(value: object) -> str:
    """A one-line text (a name, an id, a status), or "" for anything else."""
    return clean_text(value, one_line=True) if isinstance(value, str) else ""


def _text(value: object) -> str:
    """A message's text, line breaks kept."""
    return clean_text(value) if isinstance(value, str) else ""
