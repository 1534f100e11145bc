"""The settings every `confetti` command starts from: a bad setting is one clear line, exit 2."""

import sys

import click

from core.observability import configure_logging
from core.settings import Settings, SettingsError, load_settings


def command_settings() -> Settings:
    try:
        settings = load_settings()
    except SettingsError as exc:
        click.echo(f"confetti: {exc}", err=True)
        sys.exit(2)
    configure_logging(settings.log_level, settings.log_format)
    return settings
