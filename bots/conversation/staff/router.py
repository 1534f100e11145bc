"""Staff flows in the merchant's own bot: linking a chat to a staff account, and the commands
and wizards of a linked staff member. Whoever is not linked staff of this merchant never
reaches them: the customer router answers them as any customer, so nothing here shows."""

from bots.conversation.actions import Action, parse_option_id
from bots.conversation.context import Conversation
from bots.conversation.messages import Reply
from bots.conversation.staff import activities, wizard
from bots.conversation.staff.commands import commands_for, staff_command
from bots.conversation.staff.new_coupon import NEW_COUPON
from bots.conversation.staff.redeem import REDEEM
from bots.conversation.texts import refusal_text
from core.clock import utcnow
from core.errors import ConfettiError
from core.staff.chats import use_link
from core.staff.models import Role

WIZARDS = {flow.name: flow for flow in (REDEEM, NEW_COUPON)}


async def link_chat(conv: Conversation, token: str) -> list[Reply]:
    """The chat opened a staff link: it is that staff member's from now on."""
    staff = await use_link(
        conv.session,
        conv.merchant.id,
        token,
        channel=conv.incoming.channel,
        address=conv.incoming.address,
        name=conv.incoming.name,
        language=conv.t.language,
        now=utcnow(),
    )
    conv.staff = staff
    role = Role(staff.role)
    linked = conv.t(
        "staff.linked", merchant=conv.merchant.name, role=conv.t(f"staff.role.{role.value}")
    )
    return [Reply(text=linked + "\n\n" + help_text(conv, role))]


def help_text(conv: Conversation, role: Role) -> str:
    lines = [conv.t("staff.help.title")]
    lines += [
        f"/{command.name} — {conv.t(f'staff.command.{command.name}')}"
        for command in commands_for(role)
    ]
    return "\n".join(lines)


async def answer(conv: Conversation) -> list[Reply] | None:
    """A linked staff member's message, or None when it is not a staff matter (then the customer
    router answers: a staff member may use the customer menu like anyone). A refusal of the
    core undoes what the step did and is said plainly, with no customer buttons."""
    try:
        async with conv.session.begin_nested():
            return await _answer(conv)
    except ConfettiError as refused:
        return [Reply(text=refusal_text(conv.t, refused))]


async def _answer(conv: Conversation) -> list[Reply] | None:
    incoming = conv.incoming
    if incoming.kind == "button":
        return await _pressed(conv, incoming.option or "")
    if incoming.kind != "text":
        return None
    text = incoming.text.strip()
    if text.startswith("/"):
        return await _command(conv, text)
    found = await wizard.current(conv, WIZARDS)
    if not isinstance(found, tuple):
        return found
    return await wizard.answer(conv, *found, text)


async def _command(conv: Conversation, text: str) -> list[Reply] | None:
    word, _, rest = text.partition(" ")
    name = word[1:].split("@")[0].lower()
    role = Role(conv.staff.role)
    if name == "back":
        return await _back(conv)
    command = staff_command(name)
    if command is None:
        return None
    if not role.may_act_as(command.least_role):
        return [Reply(text=conv.t("staff.role_too_low") + "\n\n" + help_text(conv, role))]
    match name:
        case "cancel":
            return await wizard.cancel(conv)
        case "help":
            return [Reply(text=help_text(conv, role))]
        case "redeem":
            return await wizard.start(conv, REDEEM, rest.strip() or None)
        case "activities":
            return await activities.activity_list(conv)
        case "new_coupon":
            return await wizard.start(conv, NEW_COUPON)
    return None


async def _back(conv: Conversation) -> list[Reply]:
    found = await wizard.current(conv, WIZARDS)
    if not isinstance(found, tuple):
        return found or [Reply(text=conv.t("staff.wizard.none"))]
    return await wizard.back(conv, *found)


async def _pressed(conv: Conversation, option: str) -> list[Reply] | None:
    action, rest, _ = parse_option_id(option)
    if action is Action.MANAGE_ACTIVITY:
        return await activities.manage(conv, rest)
    if action not in (Action.WIZARD_CHOICE, Action.WIZARD_BACK, Action.WIZARD_CANCEL):
        return None
    if action is Action.WIZARD_CANCEL:
        return await wizard.cancel(conv)
    if action is Action.WIZARD_BACK:
        return await _back(conv)
    found = await wizard.current(conv, WIZARDS)
    if not isinstance(found, tuple):
        return found or [Reply(text=conv.t("staff.wizard.none"))]
    return await wizard.answer(conv, *found, rest)
