"""The web's static files: the stylesheets and scripts in web/static, and htmx from its
installed package (django-js-lib-htmx ships the file; nothing comes from a CDN)."""

from pathlib import Path

import js_lib_htmx
from sanic import Blueprint

STATIC_DIR = Path(__file__).parent / "static"
HTMX_FILE = Path(js_lib_htmx.__file__).parent / "static" / "htmx" / "htmx.min.js"
HTMX_URL = "/static/vendor/htmx.min.js"

bp = Blueprint("assets")
bp.static(HTMX_URL, HTMX_FILE, name="htmx")
bp.static("/static", STATIC_DIR, name="static")
