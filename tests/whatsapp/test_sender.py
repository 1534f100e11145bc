"""The WhatsApp sender against the fake Graph API: how each reply shape is rendered, and how the
API's refusals become the delivery layer's exceptions."""

import uuid
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from bots.conversation.messages import Link, Option, Reply
from bots.delivery import OutsideWindow, RateLimited, SendFailed, Unreachable
from bots.whatsapp.api import WhatsAppSender, verify_number
from core.channels.errors import ChannelRejected
from core.channels.models import ChannelAccount
from core.errors import ServiceUnavailable
from tests.fakes.fixtures import fake_whatsapp  # noqa: F401
from tests.fakes.whatsapp import FakeWhatsApp

NUMBER_ID = "106540352242922"
TOKEN = "EAAG-test-access-token"
CUSTOMER = "5215512345678"
CREDENTIALS = {"access_token": TOKEN, "app_secret": "app-secret"}
IMAGE = "https://cdn.example.com/wheel.png"


def api_base(fake: FakeWhatsApp) -> str:
    return f"{fake.base_url}/v21.0"


def number_account() -> ChannelAccount:
    return ChannelAccount(
        id=uuid.uuid4(),
        merchant_id=uuid.uuid4(),
        channel="whatsapp",
        external_id=NUMBER_ID,
        name="+1 555-010-0199",
        settings={},
    )


def options(count: int, title: str = "Option") -> tuple[Option, ...]:
    return tuple(Option(id=f"o:{n}", title=f"{title} {n}") for n in range(1, count + 1))


@pytest.fixture
async def sender(fake_whatsapp: FakeWhatsApp) -> AsyncIterator[WhatsAppSender]:  # noqa: F811
    fake_whatsapp.add_number(NUMBER_ID, TOKEN)
    sender = WhatsAppSender(api_base(fake_whatsapp))
    yield sender
    await sender.close()


async def send(sender: WhatsAppSender, reply: Reply, **kwargs):
    return await sender.send(
        number_account(),
        CREDENTIALS,
        CUSTOMER,
        reply,
        replacing=kwargs.get("replacing"),
        tag=kwargs.get("tag", "confetti:1"),
    )


# -- rendering ------------------------------------------------------------------------------------


async def test_plain_text_is_one_text_message_with_the_message_id_returned(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    sent = await send(sender, Reply(text="You have 120 points."))

    [call] = fake_whatsapp.sent(to=CUSTOMER)
    assert call.token == TOKEN
    assert call.body["messaging_product"] == "whatsapp"
    assert call.body["recipient_type"] == "individual"
    assert call.body["type"] == "text"
    assert call.body["text"]["body"] == "You have 120 points."
    assert sent.provider_message_id == call.response["messages"][0]["id"]


async def test_text_longer_than_4096_characters_is_cut_with_an_ellipsis(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="x" * 5000))

    body = fake_whatsapp.sent()[0].body["text"]["body"]
    assert len(body) == 4096
    assert body.endswith("…")


async def test_image_reply_is_an_image_with_the_text_as_caption(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="You won!", image_url=IMAGE))

    [call] = fake_whatsapp.sent()
    assert call.type == "image"
    assert call.body["image"] == {"link": IMAGE, "caption": "You won!"}


async def test_image_with_text_too_long_for_a_caption_sends_the_text_after_it(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="y" * 2000, image_url=IMAGE))

    assert [call.type for call in fake_whatsapp.sent()] == ["image", "text"]
    assert "caption" not in fake_whatsapp.sent()[0].body["image"]
    assert fake_whatsapp.sent()[1].body["text"]["body"] == "y" * 2000


async def test_replacing_is_ignored_and_the_reply_sent_anew(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    first = await send(sender, Reply(text="Spinning…"))
    second = await send(sender, Reply(text="You won!"), replacing=first.provider_message_id)

    assert len(fake_whatsapp.sent(type="text")) == 2
    assert second.provider_message_id != first.provider_message_id


async def test_up_to_three_options_are_reply_buttons_with_titles_cut_to_20(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    choices = (
        Option(id="p:1", title="Spin"),
        Option(id="cp", title="My coupons and vouchers"),
        Option(id="m", title="Menu"),
    )
    await send(sender, Reply(text="Spring wheel", options=choices))

    [call] = fake_whatsapp.sent(type="interactive")
    interactive = call.body["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"]["text"] == "Spring wheel"
    assert "header" not in interactive
    replies = [button["reply"] for button in interactive["action"]["buttons"]]
    assert [reply["id"] for reply in replies] == ["p:1", "cp", "m"]
    assert replies[1]["title"] == "My coupons and vouc…"
    assert len(replies[1]["title"]) == 20


async def test_buttons_with_an_image_carry_it_as_header(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="Spring wheel", image_url=IMAGE, options=options(2)))

    [call] = fake_whatsapp.sent()
    assert call.body["interactive"]["header"] == {"type": "image", "image": {"link": IMAGE}}


async def test_seven_options_are_one_list_with_long_titles_cut_to_24(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    choices = (*options(6), Option(id="o:7", title="Twenty percent off everything"))
    await send(sender, Reply(text="Pick a coupon", options=choices))

    [call] = fake_whatsapp.sent()
    interactive = call.body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"] == "Pick a coupon"
    assert len(interactive["action"]["button"]) <= 20
    [section] = interactive["action"]["sections"]
    rows = section["rows"]
    assert [row["id"] for row in rows] == [f"o:{n}" for n in range(1, 8)]
    assert rows[6]["title"] == "Twenty percent off ever…"
    assert rows[6]["description"] == "Twenty percent off everything"
    assert "description" not in rows[0]


async def test_a_list_with_an_image_sends_the_image_first(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    sent = await send(sender, Reply(text="Pick", image_url=IMAGE, options=options(5)))

    calls = fake_whatsapp.sent()
    assert [call.type for call in calls] == ["image", "interactive"]
    assert calls[1].body["interactive"]["type"] == "list"
    assert sent.provider_message_id == calls[1].response["messages"][0]["id"]
    # The last message carries the reply's tag: its status says the whole reply went. The
    # image's names its part, so its status says that part need not go again.
    assert calls[0].body["biz_opaque_callback_data"] == "confetti:1:0"
    assert calls[1].body["biz_opaque_callback_data"] == "confetti:1"


async def test_more_than_ten_options_become_a_numbered_text(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="Your coupons:", options=options(12, "Coupon")))

    [call] = fake_whatsapp.sent()
    assert call.type == "text"
    lines = call.body["text"]["body"].split("\n")
    assert lines[0] == "Your coupons:"
    assert lines[2] == "1. Coupon 1"
    assert lines[-1] == "12. Coupon 12"


async def test_numbered_options_survive_a_text_too_long_for_one_message(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    await send(sender, Reply(text="z" * 5000, options=options(11)))

    body = fake_whatsapp.sent()[0].body["text"]["body"]
    assert len(body) <= 4096
    assert body.endswith("11. Option 11")


async def test_text_and_a_link_are_one_link_button_message(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    link = Link(title="Open the collection page now", url="https://shop.example/a/spring")
    await send(sender, Reply(text="Coupons are waiting", link=link))

    [call] = fake_whatsapp.sent()
    interactive = call.body["interactive"]
    assert interactive["type"] == "cta_url"
    assert interactive["body"]["text"] == "Coupons are waiting"
    parameters = interactive["action"]["parameters"]
    assert parameters["url"] == "https://shop.example/a/spring"
    assert parameters["display_text"] == "Open the collection…"


async def test_a_link_with_options_follows_the_main_message(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    link = Link(title="Share", url="https://shop.example/a/spring?ref=x")
    sent = await send(sender, Reply(text="Invite friends", options=options(2), link=link))

    calls = fake_whatsapp.sent()
    assert [call.body["interactive"]["type"] for call in calls] == ["button", "cta_url"]
    assert calls[1].body["interactive"]["action"]["parameters"]["display_text"] == "Share"
    assert sent.provider_message_id == calls[1].response["messages"][0]["id"]


async def test_an_empty_reply_fails_permanently_without_a_call(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    with pytest.raises(SendFailed) as failed:
        await send(sender, Reply(text="  "))

    assert failed.value.permanent
    assert fake_whatsapp.calls == []


# -- errors ---------------------------------------------------------------------------------------


async def test_throughput_limit_is_rate_limited_for_two_seconds(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.fail_next(429, 130429)

    with pytest.raises(RateLimited) as limited:
        await send(sender, Reply(text="Hi"))

    assert limited.value.retry_after == 2.0
    await send(sender, Reply(text="Hi"))  # the next one goes
    assert len(fake_whatsapp.sent()) == 1


async def test_pair_rate_limit_is_rate_limited_for_five_seconds(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.fail_next(400, 131056)

    with pytest.raises(RateLimited) as limited:
        await send(sender, Reply(text="Hi"))

    assert limited.value.retry_after == 5.0


async def test_a_customer_who_cannot_receive_is_unreachable(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.block(CUSTOMER)

    with pytest.raises(Unreachable):
        await send(sender, Reply(text="Hi"))


async def test_outside_the_24_hour_window_free_text_fails_but_a_template_goes(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.outside_window(CUSTOMER)
    fake_whatsapp.templates = {"prize_won"}

    with pytest.raises(OutsideWindow):
        await send(sender, Reply(text="You won!"))
    sent = await sender.send_template(
        number_account(),
        CREDENTIALS,
        CUSTOMER,
        template="prize_won",
        language="es_MX",
        text="You won:\n\tGold   prize",
        tag="confetti:7",
    )

    [call] = fake_whatsapp.sent(type="template")
    template = call.body["template"]
    assert template["name"] == "prize_won"
    assert template["language"] == {"code": "es_MX"}
    # WhatsApp refuses new lines and tabs in a template parameter.
    assert template["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "You won: Gold prize"}]}
    ]
    assert sent.provider_message_id == call.response["messages"][0]["id"]
    assert call.body["biz_opaque_callback_data"] == "confetti:7"


async def test_a_rejected_access_token_fails_permanently(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
    sender: WhatsAppSender,
) -> None:
    with pytest.raises(SendFailed) as failed:
        await sender.send(
            number_account(),
            {"access_token": "wrong"},
            CUSTOMER,
            Reply(text="Hi"),
            replacing=None,
            tag="confetti:1",
        )

    assert failed.value.permanent
    assert failed.value.reason == "access token rejected"


async def test_an_invalid_message_fails_permanently(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    link = Link(title="Open", url="ftp://not-a-web-link")
    with pytest.raises(SendFailed) as failed:
        await send(sender, Reply(text="Open it", link=link))

    assert failed.value.permanent
    assert "131009" in failed.value.reason


async def test_a_server_error_is_worth_retrying(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.fail_next(500, 131000)

    with pytest.raises(SendFailed) as failed:
        await send(sender, Reply(text="Hi"))

    assert not failed.value.permanent


async def test_a_timeout_is_worth_retrying_but_may_have_sent(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.add_number(NUMBER_ID, TOKEN)
    fake_whatsapp.delay = 1.0
    sender = WhatsAppSender(api_base(fake_whatsapp), timeout=0.05)
    try:
        with pytest.raises(SendFailed) as failed:
            await send(sender, Reply(text="Hi"))
    finally:
        await sender.close()

    assert not failed.value.permanent
    assert failed.value.maybe_sent  # the request went; only the answer is missing


async def test_an_unreachable_api_is_worth_retrying_and_sent_nothing() -> None:
    sender = WhatsAppSender("http://127.0.0.1:9/v21.0", timeout=2)
    try:
        with pytest.raises(SendFailed) as failed:
            await send(sender, Reply(text="Hi"))
    finally:
        await sender.close()

    assert not failed.value.permanent
    assert not failed.value.maybe_sent


async def test_failures_are_logged_without_the_token_or_the_full_number(
    sender: WhatsAppSender,
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.block(CUSTOMER)

    with capture_logs() as logs, pytest.raises(Unreachable):
        await send(sender, Reply(text="Hi"))

    assert [entry["event"] for entry in logs] == ["whatsapp.send.failed"]
    logged = repr(logs)
    assert TOKEN not in logged
    assert CUSTOMER not in logged
    assert "5678" in logged


# -- verifying a number ---------------------------------------------------------------------------


async def test_verify_number_returns_the_display_phone_number(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.add_number(NUMBER_ID, TOKEN, display_phone_number="+1 555-010-0199")

    display = await verify_number(api_base(fake_whatsapp), NUMBER_ID, TOKEN)

    assert display == "+1 555-010-0199"


async def test_verify_number_with_a_wrong_token_is_rejected(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    fake_whatsapp.add_number(NUMBER_ID, TOKEN)

    with pytest.raises(ChannelRejected) as rejected:
        await verify_number(api_base(fake_whatsapp), NUMBER_ID, "wrong-token")

    assert rejected.value.status == 400
    assert "Invalid OAuth access token" in rejected.value.message
    assert "wrong-token" not in rejected.value.message


async def test_verify_number_refuses_an_id_that_is_not_digits(
    fake_whatsapp: FakeWhatsApp,  # noqa: F811
) -> None:
    with pytest.raises(ChannelRejected):
        await verify_number(api_base(fake_whatsapp), "123/messages", TOKEN)

    assert fake_whatsapp.calls == []


async def test_verify_number_when_whatsapp_is_unreachable_is_unavailable() -> None:
    with pytest.raises(ServiceUnavailable):
        await verify_number("http://127.0.0.1:9/v21.0", NUMBER_ID, TOKEN, timeout=2)
