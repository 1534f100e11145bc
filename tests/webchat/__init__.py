from sanic import Sanic

import web.qr
import web.webchat
from core.broker import Broker
from core.db import Database
from core.settings import Settings
from web.app import create_app


def chat_app(settings: Settings, db: Database, broker: Broker) -> Sanic:
    """The app with the web chat and QR blueprints, whether or not create_app registers them."""
    app = create_app(settings, db=db, broker=broker)
    for blueprint in (web.webchat.bp, web.qr.bp):
        if blueprint.name not in app.blueprints:
            app.blueprint(blueprint)
    return app
