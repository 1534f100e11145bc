"""Staff members and customers writing to the merchant's own Telegram bot, through the real
webhook, the workers and the fake Bot API server."""

from datetime import timedelta

from sqlalchemy import update

from bots.telegram.staff_links import telegram_staff_link
from core.clock import utcnow
from core.code_alphabet import display_code
from core.coupons.service import claim_coupon
from core.staff.models import Role, StaffLinkToken, StaffWizard
from tests.channels.chats import BOT_TOKEN, Seen, TelegramChat
from tests.factories import coupon_template

BASE_URL = "https://confetti.test"


class StaffChats:
    def __init__(self, shop, fake) -> None:
        self.shop, self.fake = shop, fake
        self.people = 0

    async def connect(self) -> None:
        self.owner_chat = TelegramChat(self.shop, self.fake)
        await self.owner_chat.connect()

    async def person(self) -> TelegramChat:
        """Someone new writing to the bot (a customer, until a link says otherwise)."""
        self.people += 1
        chat = TelegramChat(self.shop, self.fake, who=1000 + self.people)
        await chat.connect()
        return chat

    async def link(self, role: Role | None = Role.MANAGER, staff_id=None) -> str:
        """A fresh staff link's token: for a new bot-only staff member of `role`, or for the
        existing `staff_id`."""
        async with self.shop.db.transaction() as session:
            link = await telegram_staff_link(
                session,
                self.shop.merchant.id,
                base_url=BASE_URL,
                role=None if staff_id else role,
                staff_id=staff_id,
            )
        assert link.url.startswith("https://t.me/shop_bot?start=staff_")
        return link.url.partition("?start=")[2]

    async def member(self, role: Role = Role.MANAGER) -> TelegramChat:
        """A linked staff member of `role`."""
        chat = await self.person()
        linked = await chat.start(await self.link(role), "")
        assert "You are linked" in linked[-1].text
        return chat

    async def expire_links(self) -> None:
        async with self.shop.db.transaction() as session:
            await session.execute(
                update(StaffLinkToken).values(expires_at=utcnow() - timedelta(seconds=1))
            )

    async def age_wizards(self, minutes: int) -> None:
        async with self.shop.db.transaction() as session:
            await session.execute(
                update(StaffWizard).values(updated_at=utcnow() - timedelta(minutes=minutes))
            )

    async def coupon_of(self, customer: str = "alice", **template) -> str:
        """A coupon (by default 5.00 off) held by a customer: its code as printed."""
        made = await coupon_template(self.shop.db, self.shop.merchant, **template)
        async with self.shop.db.transaction() as session:
            coupon, _, _ = await claim_coupon(session, self.shop.merchant.id, made.id, customer)
        return display_code(coupon.code)

    def menu(self, chat: TelegramChat, language: str = "") -> list[str] | None:
        """The command names the bot's menu shows in that chat's own scope."""
        scope = {"type": "chat", "chat_id": chat.user_id}
        commands = self.fake.command_menu(BOT_TOKEN, scope, language)
        return None if commands is None else [c["command"] for c in commands]

    def customer_menu(self, language: str = "") -> list[str] | None:
        commands = self.fake.command_menu(BOT_TOKEN, {"type": "default"}, language)
        return None if commands is None else [c["command"] for c in commands]


CUSTOMER_MENU = ("acts", "cp", "pt", "code", "lang")


def is_customer_menu(seen: Seen) -> bool:
    return seen.options == CUSTOMER_MENU and "/" not in seen.text
