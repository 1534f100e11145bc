"""Wizards: a staff flow asked one step at a time, written once as a `Wizard` and run by this
engine on every channel (and so in the console's try-it panel too).

The state (flow, step, values so far) is a row of its own (core.staff.models.StaffWizard), so a
wizard survives a restart. At any step: `/cancel` (or the Cancel button) ends it, `/back` (or
Back) returns to the step before, a bad value is refused at its step with what is expected, and
after 30 minutes of silence the wizard is gone. The role is checked again on every step.
"""

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bots.conversation.actions import Action, option_id
from bots.conversation.context import Conversation
from bots.conversation.messages import Option, Reply
from core.clock import utcnow
from core.staff.models import Role, StaffWizard
from core.staff.wizards import begin_wizard, drop_wizard, move_wizard, wizard_of

TIMEOUT = timedelta(minutes=30)
Values = dict[str, object]


class BadValue(Exception):
    """Raised by a step's reader: `key` names the text that says what is expected."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key, self.values = key, values


@dataclass(frozen=True)
class Choice:
    value: str  # short ASCII: travels in the button's id
    title: str


@dataclass(frozen=True)
class Prompt:
    text: str
    choices: tuple[Choice, ...] = ()
    image_url: str | None = None


@dataclass(frozen=True)
class Step:
    name: str
    ask: Callable[[Conversation, Values], Awaitable[Prompt]]
    # The typed text (or the chosen button's value) read into what is kept; raises BadValue.
    read: Callable[[Conversation, str, Values], Awaitable[object]]
    applies: Callable[[Values], bool] = field(default=lambda values: True)


@dataclass(frozen=True)
class Wizard:
    name: str
    least_role: Role
    steps: tuple[Step, ...]
    # Runs once the last step is read; its replies end the wizard.
    finish: Callable[[Conversation, Values], Awaitable[list[Reply]]]


async def start(conv: Conversation, wizard: Wizard, first_answer: str | None = None) -> list[Reply]:
    """Begins `wizard` (replacing any other in progress); `first_answer` is read as the first
    step's (`/redeem CODE`)."""
    # The first step always applies: there is nothing yet for it to depend on.
    row = await begin_wizard(conv.session, conv.staff.id, wizard.name, now=utcnow())
    if first_answer:
        return await answer(conv, wizard, row, first_answer)
    return await _ask(conv, wizard, row)


async def current(
    conv: Conversation, flows: Mapping[str, Wizard]
) -> tuple[Wizard, StaffWizard] | list[Reply] | None:
    """The staff member's wizard in progress with its state; None when there is none; and what
    to say when it timed out after 30 minutes of silence (it is dropped then)."""
    row = await wizard_of(conv.session, conv.staff.id)
    if row is None or row.flow not in flows:
        return None
    if utcnow() - row.updated_at > TIMEOUT:
        await drop_wizard(conv.session, conv.staff.id)
        return [Reply(text=conv.t("staff.wizard.timed_out", command=row.flow))]
    return flows[row.flow], row


async def answer(conv: Conversation, wizard: Wizard, row: StaffWizard, given: str) -> list[Reply]:
    """The typed text or chosen value for the current step."""
    if not Role(conv.staff.role).may_act_as(wizard.least_role):
        await drop_wizard(conv.session, conv.staff.id)
        return [Reply(text=conv.t("staff.role_too_low"))]
    step = wizard.steps[row.step]
    values = dict(row.values)
    try:
        values[step.name] = await step.read(conv, given.strip(), values)
    except BadValue as bad:
        refused = Reply(text=conv.t(bad.key, **bad.values))
        return [refused, *await _ask(conv, wizard, row)]
    following = _next_step(wizard, values, row.step)
    if following is None:
        await drop_wizard(conv.session, conv.staff.id)
        return await wizard.finish(conv, values)
    await move_wizard(conv.session, row, following, values, now=utcnow())
    return await _ask(conv, wizard, row)


async def back(conv: Conversation, wizard: Wizard, row: StaffWizard) -> list[Reply]:
    earlier = [
        index for index in range(row.step - 1, -1, -1) if wizard.steps[index].applies(row.values)
    ]
    step, values = row.step, dict(row.values)
    if earlier:
        step = earlier[0]
        values.pop(wizard.steps[step].name, None)
    await move_wizard(conv.session, row, step, values, now=utcnow())
    return await _ask(conv, wizard, row)


async def cancel(conv: Conversation) -> list[Reply]:
    dropped = await drop_wizard(conv.session, conv.staff.id)
    return [Reply(text=conv.t("staff.wizard.cancelled" if dropped else "staff.wizard.none"))]


def _next_step(wizard: Wizard, values: Values, after: int) -> int | None:
    for index in range(after + 1, len(wizard.steps)):
        if wizard.steps[index].applies(values):
            return index
    return None


async def _ask(conv: Conversation, wizard: Wizard, row: StaffWizard) -> list[Reply]:
    t = conv.t
    prompt = await wizard.steps[row.step].ask(conv, dict(row.values))
    options = [
        Option(id=option_id(Action.WIZARD_CHOICE, c.value), title=c.title) for c in prompt.choices
    ]
    if row.step > 0:
        options.append(Option(id=option_id(Action.WIZARD_BACK), title=t("staff.button.back")))
    options.append(Option(id=option_id(Action.WIZARD_CANCEL), title=t("staff.button.cancel")))
    return [Reply(text=prompt.text, image_url=prompt.image_url, options=tuple(options))]
