"""Incoming chat-app webhooks (`/webhooks/telegram/...`, `/webhooks/whatsapp/...`).

One blueprint per channel, each with its full prefix, grouped here so the app mounts them all
at once.
"""

from sanic import Blueprint

from web.webhooks import whatsapp

bp = Blueprint.group(whatsapp.bp)
