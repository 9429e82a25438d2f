"""a roster version token, changed by triggers on every roster change (issue 12)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:40:00.000000

The chat path keeps its roster lookups in memory while this token stands
(:mod:`storage.roster_cache`). The triggers fire in the writer's transaction, whoever
writes (the CLI, the console, another process, a hand-written UPDATE), so no writer can
forget to say that the roster changed.

Careful with later migrations on SQLite: ``batch_alter_table`` copies a table and drops
its triggers. A migration that batch-alters a roster table must create its triggers
again (``create_triggers``); ``tests/storage/test_roster_cache.py`` checks, at the
head, that a change to each roster table changes the token.
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0010'
down_revision: Union[str, None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ROSTER_TABLES = ("county", "town", "village", "counsel", "assignment", "chatgroup")
SQLITE_TOKEN = "lower(hex(randomblob(16)))"
POSTGRES_TOKEN = "md5(random()::text || clock_timestamp()::text)"


def create_triggers(table: str) -> None:
    """The triggers that change the token on any change to ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER vcbot_roster_{table}_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN UPDATE rosterversion SET token = {SQLITE_TOKEN} WHERE id = 1; END"
            )
        return
    op.execute(
        f"CREATE TRIGGER vcbot_roster_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION vcbot_roster_changed()"
    )


def drop_triggers(table: str) -> None:
    """The triggers of :func:`create_triggers`, dropped."""
    if op.get_bind().dialect.name == "sqlite":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS vcbot_roster_{table}_{event}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS vcbot_roster_{table} ON {table}")


def upgrade() -> None:
    op.create_table(
        'rosterversion',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(
        f"INSERT INTO rosterversion (id, token) VALUES (1, {SQLITE_TOKEN if sqlite else POSTGRES_TOKEN})"
    )
    if not sqlite:
        op.execute(
            "CREATE FUNCTION vcbot_roster_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN UPDATE rosterversion SET token = {POSTGRES_TOKEN} WHERE id = 1; "
            "RETURN NULL; END $$"
        )
    for table in ROSTER_TABLES:
        create_triggers(table)


def downgrade() -> None:
    for table in ROSTER_TABLES:
        drop_triggers(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS vcbot_roster_changed()")
    op.drop_table('rosterversion')
