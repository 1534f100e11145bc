"""What an option (a button, or a numbered answer) does, and how its id is written.

An option id is an action's short wire name, then its arguments: `p:<activity>:<referrer>`.
Telegram carries at most 64 bytes of callback data, so the names are a few letters and ids are
22-character short ids; the names live here only, for the flows that offer options and the
router that reads them back. What comes back is re-checked: ids can be forged.
"""

import uuid
from enum import StrEnum

from bots.conversation.ids import parse_short_id, short_id


class Action(StrEnum):
    MENU = "m"
    ACTIVITIES = "acts"
    MY_COUPONS = "cp"
    MY_POINTS = "pt"
    REDEEM_CODE = "code"
    LANGUAGES = "lang"
    CHOOSE_LANGUAGE = "l"  # l:<language code>
    SHOW_ACTIVITY = "a"  # a:<activity>[:<referrer>]
    PLAY = "p"  # p:<activity>[:<referrer>]
    JOIN_GROUP = "j"  # j:<group>[:<referrer>]
    COLLECT = "c"  # c:<activity>:<template>
    SHARE = "s"  # s:<activity>
    SHOW_QR = "q"  # q:<coupon>
    EXCHANGE = "x"  # x:<catalogue item>
    # Staff only (bots/conversation/staff): read only from a linked staff member's chat.
    WIZARD_CHOICE = "w"  # w:<the step's value>
    WIZARD_BACK = "wb"
    WIZARD_CANCEL = "wx"
    MANAGE_ACTIVITY = "ma"  # ma:<pause|resume|end|share>:<activity>


def option_id(action: Action, *arguments: uuid.UUID | str | None) -> str:
    """The action with its arguments (ids as short ids; a missing one is left out)."""
    parts = [action.value]
    for argument in arguments:
        if isinstance(argument, uuid.UUID):
            parts.append(short_id(argument))
        elif argument is not None:
            parts.append(argument)
    return ":".join(parts)


def parse_option_id(option: str) -> tuple[Action | None, str, list[uuid.UUID | None]]:
    """(action, the raw arguments, the arguments read as ids); the action is None for anything
    that names none of ours, and an argument that is not one of our ids reads as None."""
    name, _, rest = option.partition(":")
    try:
        action = Action(name)
    except ValueError:
        return None, rest, []
    return action, rest, [parse_short_id(part) for part in rest.split(":")] if rest else []
