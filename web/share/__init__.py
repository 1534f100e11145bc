"""Public share pages (`/a/{slug}`): the activities issue adds them."""

from sanic import Blueprint

bp = Blueprint("share", url_prefix="/a")
