"""Code batches: generate, import a partner's CSV, redeem, hand out, export."""

import uuid

from sanic import Request
from sanic.response import HTTPResponse

from core.clock import utcnow
from core.codes import service
from core.codes.flows import try_code
from core.codes.schemas import (
    AssignRequest,
    AssignResult,
    CodeBatchCreate,
    CodeBatchOut,
    ImportResult,
    RedeemCodeRequest,
    RedeemCodeResult,
)
from core.customers.service import get_customer
from core.errors import ValidationFailed
from web.auth import api_blueprint, current_merchant
from web.body import UnsupportedMediaType, parse_body
from web.codes_export import stream_batch_csv
from web.openapi_docs import document
from web.responses import model_response

bp = api_blueprint("codes")


@bp.post("/code-batches")
@document(
    summary="Create a code batch: generated now from a pattern (up to 1,000,000 codes), or "
    "imported later from a partner's CSV",
    ok=(201, CodeBatchOut),
    body=CodeBatchCreate,
    errors=(404,),
)
async def create_batch(request: Request) -> HTTPResponse:
    data = parse_body(request, CodeBatchCreate)
    async with request.app.ctx.db.transaction() as session:
        batch, warnings = await service.create_batch(session, current_merchant(request), data)
        view = await service.batch_view(session, batch, warnings)
    return model_response(view, status=201)


@bp.get("/code-batches/<batch_id:uuid>")
@document(summary="A code batch with its counts", ok=(200, CodeBatchOut), errors=(404,))
async def get_batch(request: Request, batch_id: uuid.UUID) -> HTTPResponse:
    async with request.app.ctx.db.transaction(write=False) as session:
        batch = await service.get_batch(session, current_merchant(request).id, batch_id)
        view = await service.batch_view(session, batch)
    return model_response(view)


FILE_PART = "file"


def _uploaded_csv(request: Request) -> bytes:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "text/csv":
        return request.body
    if content_type == "multipart/form-data":
        return _file_part(request)
    raise UnsupportedMediaType(
        "Send the CSV as 'Content-Type: text/csv', or as multipart/form-data with a 'file' part."
    )


def _file_part(request: Request) -> bytes:
    """The one file part named `file`. Any other part is refused, as JSON bodies refuse fields
    they do not know: a form that sends two files, or the file under another name, would
    otherwise import something other than what its sender meant."""
    files, fields = request.files or {}, request.form or {}
    for name in [*files, *fields]:
        if name != FILE_PART:
            raise ValidationFailed(
                f"Unexpected part '{name}': send the CSV as one part named 'file'.", field=name
            )
    uploads = files.getlist(FILE_PART) if files else []
    if len(uploads) > 1:
        raise ValidationFailed(
            f"Send one part named 'file'; this request has {len(uploads)}.", field=FILE_PART
        )
    if not uploads:
        message = (
            "The 'file' part must be a file (with a filename in its Content-Disposition)."
            if FILE_PART in fields
            else "The multipart body has no part named 'file' (or could not be read)."
        )
        raise ValidationFailed(message, field=FILE_PART)
    return uploads[0].body


@bp.post("/code-batches/<batch_id:uuid>/import")
@document(
    summary="Import a partner's codes (CSV, one code per row, optional header 'code'); all "
    "rows good or nothing imported; codes already present are skipped",
    ok=(200, ImportResult),
    errors=(404, 409, 413, 415, 422),
)
async def import_codes(request: Request, batch_id: uuid.UUID) -> HTTPResponse:
    data = _uploaded_csv(request)
    async with request.app.ctx.db.transaction() as session:
        batch, imported, present = await service.import_codes(
            session, current_merchant(request).id, batch_id, data
        )
        view = await service.batch_view(session, batch)
    return model_response(ImportResult(imported=imported, already_present=present, batch=view))


@bp.post("/codes/redeem")
@document(
    summary="A customer redeems a code and gets its batch's reward. Wrong codes are limited "
    "per customer and per client IP",
    ok=(200, RedeemCodeResult),
    body=RedeemCodeRequest,
    errors=(404, 409, 429),
)
async def redeem(request: Request) -> HTTPResponse:
    data = parse_body(request, RedeemCodeRequest)
    merchant = current_merchant(request)
    limit = request.app.ctx.settings.code_attempts_per_minute
    async with request.app.ctx.db.transaction() as session:
        customer = await get_customer(session, merchant.id, data.customer)
        tried = await try_code(
            session,
            merchant.id,
            customer,
            data.code,
            client_ip=data.client_ip,
            limit=limit,
            now=utcnow(),
        )
    # Refused only now: the wrong guess is committed, counted against the attempts.
    if tried.wrong is not None:
        raise tried.wrong
    return model_response(tried.redeemed)


@bp.post("/code-batches/<batch_id:uuid>/assign")
@document(
    summary="Hand one unused partner code to a customer",
    ok=(200, AssignResult),
    body=AssignRequest,
    errors=(404, 409),
)
async def assign(request: Request, batch_id: uuid.UUID) -> HTTPResponse:
    data = parse_body(request, AssignRequest)
    merchant_id = current_merchant(request).id
    async with request.app.ctx.db.transaction() as session:
        customer = await get_customer(session, merchant_id, data.customer)
        code = await service.assign_code(session, merchant_id, batch_id, customer)
    return model_response(AssignResult(code=code, batch_id=batch_id, customer=data.customer))


@bp.get("/code-batches/<batch_id:uuid>/export")
@document(
    summary="All codes of a batch as CSV (code, status, customer, used_at), streamed",
    ok=(200, "text/csv"),
    errors=(404,),
)
async def export(request: Request, batch_id: uuid.UUID) -> HTTPResponse | None:
    await stream_batch_csv(request, current_merchant(request).id, batch_id)
    return None
