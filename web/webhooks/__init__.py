"""Incoming chat-app webhooks (`/webhooks/telegram/...`, `/webhooks/whatsapp/...`).

The routes arrive with the chat channels issue; the blueprint is mounted now so its prefix and
its place in the app are settled.
"""

from sanic import Blueprint

bp = Blueprint("webhooks", url_prefix="/webhooks")
