from pydantic import BaseModel
from sanic.response import HTTPResponse, raw


def model_response(model: BaseModel, status: int = 200) -> HTTPResponse:
    return raw(model.model_dump_json(), status=status, content_type="application/json")


class Acknowledged(BaseModel):
    """A webhook's answer: received (or already received before)."""

    ok: bool = True
