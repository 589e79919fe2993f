"""Alembic environment: runs against the engine cxdash hands over (never a URL in an ini)."""
from alembic import context

from cxdash.db.models import Base

engine = context.config.attributes["connection_engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
