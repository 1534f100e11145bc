"""Alembic environment: always handed a live connection by core.migrations."""

from alembic import context

from core.migrations import load_all_models

target_metadata = load_all_models().metadata
connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `confetti migrate`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
