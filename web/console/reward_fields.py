"""A reward typed as one select (and, for points, an amount beside it): pydantic names a
reward's problems by the reward's parts (`reward.points.amount`, `reward.coupon.template_id`),
which no input on the page carries, so they are put beside the select or the amount."""

from web.console.forms import Form


def errors_beside_reward(form: Form, *, select: str = "reward", amount: str | None = None) -> None:
    for name in [name for name in form.errors if name.startswith(f"{select}.")]:
        beside = amount if amount and name.endswith(".amount") else select
        form.errors.setdefault(beside, form.errors.pop(name))
