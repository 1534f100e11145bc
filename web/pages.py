"""Rendering Jinja2 templates shipped in web/templates."""

from jinja2 import Environment, PackageLoader, select_autoescape
from sanic.response import HTTPResponse, html

_templates = Environment(
    loader=PackageLoader("web", "templates"), autoescape=select_autoescape(["html"])
)


def render(template: str, status: int = 200, **context: object) -> HTTPResponse:
    return html(_templates.get_template(template).render(**context), status=status)
