"""A code batch's CSV download, streamed a chunk at a time: the API's and the console's."""

import uuid

from sanic import Request

from core.codes import service
from core.csv_text import csv_text

HEADER = ("code", "status", "customer", "used_at")


async def stream_batch_csv(request: Request, merchant_id: uuid.UUID, batch_id: uuid.UUID) -> None:
    db = request.app.ctx.db
    async with db.transaction(write=False) as session:
        await service.get_batch(session, merchant_id, batch_id)  # not found before streaming
    response = await request.respond(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="codes-{batch_id}.csv"'},
    )
    await response.send(csv_text([HEADER]))
    async for rows in service.export_rows(db, merchant_id, batch_id):
        await response.send(csv_text(rows))
    await response.eof()
