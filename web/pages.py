"""Rendering the web's pages: Jinja2 templates in web/templates, texts from web/locales in the
visitor's language, whole pages or one block of one (for htmx), each with its own CSP nonce.

Every page gets the same security headers: no inline script at all, styles from our own files
plus the one `<style nonce>` block a page may use for its brand colour, images from anywhere
(a merchant's logo and covers live on their own CDN), and never framed by another site.
"""

import re
import secrets
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from jinja2_fragments import render_block
from sanic import Request
from sanic.response import HTTPResponse, html

from bots.conversation.i18n import Catalogs, Translator, pick_language

PAGE_TEXTS = Catalogs(Path(__file__).parent / "locales")
LANGUAGE_COOKIE = "confetti_lang"
# A language tag such as "es-MX"; anything odder in Accept-Language is ignored.
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")

_templates = Environment(
    loader=PackageLoader("web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def accepted_languages(header: str) -> list[str]:
    """Accept-Language's tags, most wanted first ("es-MX,es;q=0.9,en;q=0.5")."""
    weighted = []
    for position, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if _LANGUAGE_TAG.match(tag):
            weighted.append((-quality, position, tag))
    return [tag for *_, tag in sorted(weighted)]


def page_language(request: Request) -> str:
    """`?lang=`, then the visitor's earlier choice (a cookie), then the browser's languages."""
    return pick_language(
        request.args.get("lang"),
        request.cookies.get(LANGUAGE_COOKIE),
        *accepted_languages(request.headers.get("accept-language", "")),
    )


def page_translator(request: Request, timezone: str) -> Translator:
    return Translator(page_language(request), timezone, PAGE_TEXTS)


def _policy(nonce: str) -> str:
    return (
        "default-src 'self'; img-src * data:; script-src 'self'; "
        f"style-src 'self' 'nonce-{nonce}'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    )


def _respond(body: str, nonce: str, status: int, headers: dict[str, str] | None) -> HTTPResponse:
    return html(
        body,
        status=status,
        headers={
            "Content-Security-Policy": _policy(nonce),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            **(headers or {}),
        },
    )


def render(
    template: str, status: int = 200, *, headers: dict[str, str] | None = None, **context: object
) -> HTTPResponse:
    nonce = secrets.token_urlsafe(16)
    body = _templates.get_template(template).render(nonce=nonce, **context)
    return _respond(body, nonce, status, headers)


def render_fragment(
    template: str,
    block: str,
    status: int = 200,
    *,
    headers: dict[str, str] | None = None,
    **context: object,
) -> HTTPResponse:
    """One block of a page, as htmx swaps it in: the same template serves both."""
    nonce = secrets.token_urlsafe(16)
    body = render_block(_templates, template, block, nonce=nonce, **context)
    return _respond(body, nonce, status, headers)
