"""A broadcast's chunks (the job is made in core/broadcasts): each queues its recipients'
messages with a key naming the broadcast and the customer, so a chunk run again after a crash
queues nothing twice: at most one copy per customer. The chat sender then delivers them at each
channel's rate."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from bots.conversation.actions import Action, option_id
from bots.conversation.i18n import Translator
from bots.conversation.messages import Link, Option, Reply
from bots.notices import queue_notice
from core.broadcasts.schemas import BroadcastCreate
from core.channels.chats import chats_by_id
from core.jobs.models import Job
from core.jobs.schemas import ChunkOutcome
from core.merchants.service import get_merchant


async def broadcast_chunk(session: AsyncSession, job: Job, start: int, end: int) -> ChunkOutcome:
    merchant = await get_merchant(session, job.merchant_id)
    message = BroadcastCreate.model_validate(job.params["message"])
    link = Link(title=message.link.title, url=message.link.url) if message.link else None

    def compose(t: Translator) -> Reply:
        options = [Option(id=option_id(Action.MENU), title=t("button.menu"))]
        if message.activity is not None:
            options.insert(
                0,
                Option(
                    id=option_id(Action.SHOW_ACTIVITY, message.activity),
                    title=t("button.take_part"),
                ),
            )
        return Reply(
            text=message.text, image_url=message.image_url, link=link, options=tuple(options)
        )

    queued = 0
    ids = [uuid.UUID(value) for value in job.params["recipients"][start:end]]
    for identity, account in await chats_by_id(session, ids):
        queued += await queue_notice(
            session,
            merchant,
            identity,
            account,
            purpose="broadcast",
            dedupe_key=f"broadcast:{job.id}:{identity.customer_id}",
            compose=compose,
        )
    return ChunkOutcome(counts={"queued": queued})
