"""A fake Telegram Bot API server for tests.

It answers ``/bot<token>/<method>`` like api.telegram.org does (form-encoded, multipart or JSON
bodies; GET query strings too), keeps enough state for realistic answers and records every call.
Point aiogram at it with ``AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# Parameters that are plain strings; every other form field is JSON-decoded when it can be
# (aiogram JSON-encodes every non-string value: ints, bools, reply_markup, entities...).
STRING_PARAMS = {
    "text",
    "caption",
    "parse_mode",
    "url",
    "secret_token",
    "ip_address",
    "callback_query_id",
    "inline_message_id",
    "business_connection_id",
    "message_effect_id",
    "photo",
}
MEMBER_STATUSES = {"creator", "administrator", "member", "restricted", "left", "kicked"}
# fmt: off
ADMIN_RIGHTS = (
    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
    "can_promote_members", "can_change_info", "can_invite_users", "can_post_stories",
    "can_edit_stories", "can_delete_stories", "can_send_welcome_messages",
)
RESTRICTED_RIGHTS = (
    "can_send_messages", "can_send_audios", "can_send_documents", "can_send_photos",
    "can_send_videos", "can_send_video_notes", "can_send_voice_notes", "can_send_polls",
    "can_send_other_messages", "can_add_web_page_previews", "can_react_to_messages",
    "can_edit_tag", "can_change_info", "can_invite_users", "can_pin_messages",
    "can_manage_topics",
)
# fmt: on
UNAUTHORIZED = (401, "Unauthorized")
NOT_FOUND = (404, "Not Found")
CHAT_NOT_FOUND = (400, "Bad Request: chat not found")
BLOCKED = (403, "Forbidden: bot was blocked by the user")
NOT_MODIFIED = (
    400,
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message",
)


class ApiError(Exception):
    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status, self.description, self.parameters = status, description, parameters

    def body(self) -> dict[str, Any]:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class Call:
    token: str
    method: str
    params: dict[str, Any]
    status: int = 200  # HTTP status the fake answered with
    result: Any = None  # the "result" it returned when status is 200
    peer: Any = None  # the client's (host, port): calls over one connection share it


class FakeTelegram:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self.bots: dict[str, dict[str, Any]] = {}  # token -> User object of the bot
        self.webhooks: dict[str, dict[str, Any]] = {}  # token -> {url, secret_token, ...}
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, int, int], dict[str, Any]] = {}  # (token, chat, msg id)
        self.chats: dict[int, dict[str, Any]] = {}  # group/channel Chat objects by id
        self.members: dict[tuple[int, int], str] = {}  # (chat id, user id) -> status
        self.bot_admin_of: set[tuple[str, int | str]] = set()  # (token, chat id or @username)
        self.blocked: set[int] = set()
        # (token, scope as JSON, language code or "") -> the command list setMyCommands set
        self.commands: dict[tuple[str, str, str], list[dict[str, str]]] = {}
        self.delay = 0.0
        # method -> awaited with the call's params before it is answered (to act mid-call)
        self.before_answer: dict[str, Callable[[dict[str, Any]], Awaitable[None]]] = {}
        self._failures: dict[str, deque[ApiError]] = defaultdict(deque)
        self._message_ids: dict[tuple[str, int], itertools.count] = {}
        self._chat_ids = itertools.count(1001234567890)
        self._file_ids = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    # -- configuration ---------------------------------------------------------------------------

    def add_bot(self, token: str, id: int | None = None, username: str = "test_bot") -> dict:
        bot_id = id if id is not None else int(token.split(":", 1)[0])
        self.bots[token] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": username.removesuffix("_bot").removesuffix("bot").title() or username,
            "username": username,
        }
        return self.bots[token]

    def add_chat(
        self, chat: int | str, type: str = "channel", title: str | None = None
    ) -> dict[str, Any]:
        """Register a group/channel by id or ``@username``; returns its Chat object."""
        if (found := self._find_chat(chat)) is not None:
            return found
        chat_id = chat if isinstance(chat, int) else -next(self._chat_ids)
        obj: dict[str, Any] = {"id": chat_id, "type": type, "title": title or str(chat).lstrip("@")}
        if isinstance(chat, str) and chat.startswith("@"):
            obj["username"] = chat[1:]
        self.chats[chat_id] = obj
        return obj

    def set_member(self, chat: int | str, user_id: int, status: str) -> None:
        assert status in MEMBER_STATUSES, status
        self.members[(self.add_chat(chat)["id"], user_id)] = status

    def make_admin(self, token: str, chat: int | str) -> None:
        self.add_chat(chat)
        self.bot_admin_of.add((token, chat))

    def block(self, chat_id: int) -> None:
        self.blocked.add(int(chat_id))

    def fail_next(
        self,
        method: str,
        status: int = 429,
        retry_after: int = 5,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        if status == 429:
            error = ApiError(
                429,
                description or f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        else:
            error = ApiError(status, description or "Internal Server Error")
        self._failures[method].extend([error] * times)

    def sent(self, method: str | None = None, chat_id: int | str | None = None) -> list[Call]:
        """Successful calls (status 200), optionally filtered; ``calls`` has every call."""
        return [
            call
            for call in self.calls
            if call.status == 200
            and (method is None or call.method == method)
            and (chat_id is None or str(call.params.get("chat_id")) == str(chat_id))
        ]

    # -- request handling ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if self.delay:
            await asyncio.sleep(self.delay)
        token, method = request.match_info["token"], request.match_info["method"]
        params = await self._read_params(request)
        peer = request.transport.get_extra_info("peername") if request.transport else None
        call = Call(token, method, params, peer=peer)
        self.calls.append(call)
        if (hook := self.before_answer.get(method)) is not None:
            await hook(call.params)
        try:
            if token not in self.bots:
                raise ApiError(*UNAUTHORIZED)
            if self._failures[method]:
                raise self._failures[method].popleft()
            handler = getattr(self, f"_m_{method.lower()}", None)
            if handler is None:
                raise ApiError(*NOT_FOUND)
            call.result = handler(token, call.params)
        except ApiError as error:
            call.status = error.status
            return web.json_response(error.body(), status=error.status)
        return web.json_response({"ok": True, "result": call.result})

    @staticmethod
    async def _read_params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            fields = (await request.json()).items()
        else:
            fields = (await request.post()).items()
        for key, value in fields:
            if isinstance(value, web.FileField):
                params[key] = {"filename": value.filename, "size": len(value.file.read())}
            elif key in STRING_PARAMS or not isinstance(value, str):
                params[key] = value
            else:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    params[key] = value
        return params

    # -- helpers ---------------------------------------------------------------------------------

    def _find_chat(self, chat: int | str) -> dict[str, Any] | None:
        if isinstance(chat, str) and chat.startswith("@"):
            name = chat[1:].lower()
            return next(
                (c for c in self.chats.values() if c.get("username", "").lower() == name), None
            )
        return self.chats.get(int(chat))

    def _chat(self, chat: Any) -> dict[str, Any]:
        if chat in (None, ""):
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat, str) and not chat.startswith("@"):
            try:
                chat = int(chat)
            except ValueError:
                raise ApiError(*CHAT_NOT_FOUND) from None
        found = self._find_chat(chat)
        if found is not None:
            return found
        if isinstance(chat, int) and chat > 0:  # any positive id is a user's private chat
            return {"id": chat, "type": "private", "first_name": f"User {chat}"}
        raise ApiError(*CHAT_NOT_FOUND)

    def _writable_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        if chat["id"] in self.blocked:
            raise ApiError(*BLOCKED)
        return chat

    @staticmethod
    def _check_markup(markup: Any) -> None:
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(button.get("callback_data", "").encode()) > 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _new_message(self, token: str, chat: dict[str, Any], **content: Any) -> dict[str, Any]:
        counter = self._message_ids.setdefault((token, chat["id"]), itertools.count(1))
        message = {
            "message_id": next(counter),
            "from": self.bots[token],
            "chat": chat,
            "date": int(time.time()),
            **{key: value for key, value in content.items() if value is not None},
        }
        self.messages[(token, chat["id"], message["message_id"])] = message
        return message

    @staticmethod
    def _inline_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None

    def _stored_message(self, token: str, params: dict[str, Any]) -> dict[str, Any] | None:
        if params.get("inline_message_id"):
            return None
        chat = self._writable_chat(params)
        key = (token, chat["id"], int(params.get("message_id") or 0))
        if key not in self.messages:
            raise ApiError(400, "Bad Request: message to edit not found")
        return self.messages[key]

    # -- methods ---------------------------------------------------------------------------------

    def _m_getme(self, token: str, params: dict) -> dict[str, Any]:
        return {
            **self.bots[token],
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _m_setwebhook(self, token: str, params: dict) -> bool:
        url = params.get("url", "")
        if not url:
            return self._m_deletewebhook(token, params)
        if not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhooks[token] = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": params.get("max_connections", 40),
            "drop_pending_updates": bool(params.get("drop_pending_updates")),
        }
        return True

    def _m_deletewebhook(self, token: str, params: dict) -> bool:
        self.webhooks.pop(token, None)
        return True

    def _m_getwebhookinfo(self, token: str, params: dict) -> dict[str, Any]:
        hook = self.webhooks.get(token)
        info: dict[str, Any] = {
            "url": hook["url"] if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": 0,
        }
        if hook:
            info["max_connections"] = hook["max_connections"]
            info["ip_address"] = "127.0.0.1"
            if hook["allowed_updates"]:
                info["allowed_updates"] = hook["allowed_updates"]
        return info

    def _m_sendmessage(self, token: str, params: dict) -> dict[str, Any]:
        chat = self._writable_chat(params)
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        self._check_markup(params.get("reply_markup"))
        return self._new_message(token, chat, text=text, reply_markup=self._inline_markup(params))

    def _m_sendphoto(self, token: str, params: dict) -> dict[str, Any]:
        chat = self._writable_chat(params)
        if not params.get("photo"):
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption = params.get("caption")
        if caption and len(caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        self._check_markup(params.get("reply_markup"))
        n = next(self._file_ids)
        photo = [
            {
                "file_id": f"AgACAgIAAxkDAAI{n:06d}{size}",
                "file_unique_id": f"AQAD{n:06d}{size}",
                "width": width,
                "height": width * 3 // 4,
                "file_size": width * 90,
            }
            for size, width in (("s", 90), ("m", 320), ("x", 800))
        ]
        return self._new_message(
            token, chat, photo=photo, caption=caption, reply_markup=self._inline_markup(params)
        )

    def _m_editmessagetext(self, token: str, params: dict) -> dict[str, Any] | bool:
        message = self._stored_message(token, params)
        text = params.get("text") or ""
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        self._check_markup(params.get("reply_markup"))
        if message is None:
            return True
        markup = self._inline_markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(*NOT_MODIFIED)
        message.update(text=text, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _m_editmessagereplymarkup(self, token: str, params: dict) -> dict[str, Any] | bool:
        message = self._stored_message(token, params)
        self._check_markup(params.get("reply_markup"))
        if message is None:
            return True
        markup = self._inline_markup(params)
        if message.get("reply_markup") == markup:
            raise ApiError(*NOT_MODIFIED)
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _m_answercallbackquery(self, token: str, params: dict) -> bool:
        if not params.get("callback_query_id"):
            raise ApiError(400, "Bad Request: query_id_invalid")
        if len(params.get("text") or "") > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    @staticmethod
    def _scope_key(token: str, params: dict) -> tuple[str, str, str]:
        scope = params.get("scope") or {"type": "default"}
        return token, json.dumps(scope, sort_keys=True), params.get("language_code") or ""

    def command_menu(
        self, token: str, scope: dict | None = None, language: str = ""
    ) -> list[dict[str, str]] | None:
        """The menu set for exactly this scope and language (None: nothing set there)."""
        return self.commands.get(
            self._scope_key(token, {"scope": scope, "language_code": language})
        )

    def _m_setmycommands(self, token: str, params: dict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100")
        for command in commands:
            name, description = command.get("command", ""), command.get("description", "")
            if not (1 <= len(name) <= 32 and name.islower() and 1 <= len(description) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        self.commands[self._scope_key(token, params)] = commands
        return True

    def _m_deletemycommands(self, token: str, params: dict) -> bool:
        self.commands.pop(self._scope_key(token, params), None)
        return True

    def _m_getmycommands(self, token: str, params: dict) -> list[dict[str, str]]:
        return self.commands.get(self._scope_key(token, params), [])

    def _m_getchat(self, token: str, params: dict) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription")
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, True) | {"gifts_from_channels": True},
        }

    def _m_getchatmember(self, token: str, params: dict) -> dict[str, Any]:
        chat = self._chat(params.get("chat_id"))
        user_id = int(params.get("user_id") or 0)
        if chat["type"] != "private" and not any(
            t == token and (found := self._find_chat(c)) is not None and found["id"] == chat["id"]
            for t, c in self.bot_admin_of
        ):
            raise ApiError(400, "Bad Request: member list is inaccessible")
        status = self.members.get((chat["id"], user_id), "left")
        user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}
        return {"user": user, "status": status, **_member_fields(status)}


def _member_fields(status: str) -> dict[str, Any]:
    """The extra fields the real API sends with each ChatMember status."""
    if status == "creator":
        return {"is_anonymous": False}
    if status == "administrator":
        rights = dict.fromkeys(ADMIN_RIGHTS, True)
        return {"can_be_edited": False, "is_anonymous": False, **rights}
    if status == "restricted":
        return {"is_member": True, "until_date": 0, **dict.fromkeys(RESTRICTED_RIGHTS, False)}
    if status == "kicked":
        return {"until_date": 0}
    return {}
