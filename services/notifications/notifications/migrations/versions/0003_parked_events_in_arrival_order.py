"""Parked events keep their arrival order: a sequence number breaks ties of ``parked_at`` (a
meeting scheduled, then cancelled, in the same instant must be replayed in that order).

The table is rebuilt (SQLite cannot add a column that numbers itself); rows already parked are
numbered in the order of their ``parked_at``.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID, _WHEN = sa.String(64), sa.DateTime(timezone=True)
_COLUMNS = "event_id, case_id, value, parked_at"


def upgrade() -> None:
    _set_aside("parked_events_0002")
    op.create_table(
        "parked_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), autoincrement=True),
        sa.Column("event_id", _ID, nullable=False),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("parked_at", _WHEN, nullable=False),
        # Named: the old table, set aside, still holds the default names until it is dropped.
        sa.PrimaryKeyConstraint("seq", name="pk_parked_events"),
        sa.UniqueConstraint("event_id", name="uq_parked_events_event_id"))
    _move_back("parked_events_0002")


def downgrade() -> None:
    _set_aside("parked_events_0003")
    op.create_table(
        "parked_events",
        sa.Column("event_id", _ID, primary_key=True),
        sa.Column("case_id", _ID, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("parked_at", _WHEN, nullable=False))
    _move_back("parked_events_0003")


def _set_aside(name: str) -> None:
    op.drop_index("ix_parked_events_case_id", table_name="parked_events")
    op.rename_table("parked_events", name)


def _move_back(name: str) -> None:
    op.execute(f"INSERT INTO parked_events ({_COLUMNS}) "
               f"SELECT {_COLUMNS} FROM {name} ORDER BY parked_at")
    op.drop_table(name)
    op.create_index("ix_parked_events_case_id", "parked_events", ["case_id"])
