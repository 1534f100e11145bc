"""The staff commands, each with the least role that may use it: what `/help` lists and what the
bot's command menu shows in a staff member's chat (bots/telegram/commands.py)."""

from dataclasses import dataclass

from core.staff.models import Role


@dataclass(frozen=True)
class StaffCommand:
    name: str  # typed as /name
    least_role: Role


STAFF_COMMANDS = (
    StaffCommand("activities", Role.MANAGER),
    StaffCommand("new_coupon", Role.MANAGER),
    StaffCommand("redeem", Role.CASHIER),
    StaffCommand("help", Role.CASHIER),
    StaffCommand("cancel", Role.CASHIER),
)
# What every customer's menu shows: the same words open the customer menu (router.GREETINGS).
CUSTOMER_COMMANDS = ("start", "help")


def commands_for(role: Role) -> tuple[StaffCommand, ...]:
    return tuple(command for command in STAFF_COMMANDS if role.may_act_as(command.least_role))


def staff_command(name: str) -> StaffCommand | None:
    return next((command for command in STAFF_COMMANDS if command.name == name), None)
