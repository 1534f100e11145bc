"""Every merchant's bot sends over one pooled HTTP session, closed once at shutdown."""

from bots.telegram.bots import TelegramBots


async def test_two_merchants_bots_send_over_one_connection(fake_telegram) -> None:
    fake_telegram.add_bot("111:first-shop", username="first_bot")
    fake_telegram.add_bot("222:second-shop", username="second_bot")
    bots = TelegramBots(fake_telegram.base_url)
    try:
        for token in ("111:first-shop", "222:second-shop", "111:first-shop"):
            await bots.bot(token).get_me()
    finally:
        await bots.close()
    calls = fake_telegram.sent("getMe")
    assert [call.token for call in calls] == ["111:first-shop", "222:second-shop", "111:first-shop"]
    assert len({call.peer for call in calls}) == 1


async def test_bots_send_again_after_the_session_was_closed(fake_telegram) -> None:
    fake_telegram.add_bot("111:first-shop")
    bots = TelegramBots(fake_telegram.base_url)
    await bots.bot("111:first-shop").get_me()
    await bots.close()  # an app stopped, then started again in the same process
    try:
        await bots.bot("111:first-shop").get_me()
    finally:
        await bots.close()
    assert len(fake_telegram.sent("getMe")) == 2
