"""Settling deliveries: when a text reached the handset (``delivered_at``, from the SMS
provider's status callbacks, found by ``provider_id``), and the append-only log of unknown
deliveries staff settled by hand (``delivery_settlements``).

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER delivery_settlements_no_update BEFORE UPDATE ON delivery_settlements "
        "BEGIN SELECT RAISE(ABORT, 'delivery_settlements is append-only'); END",
        "CREATE TRIGGER delivery_settlements_no_delete BEFORE DELETE ON delivery_settlements "
        "BEGIN SELECT RAISE(ABORT, 'delivery_settlements is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION delivery_settlements_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'delivery_settlements is append-only'; END $$",
        "CREATE TRIGGER delivery_settlements_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON delivery_settlements FOR EACH STATEMENT "
        "EXECUTE FUNCTION delivery_settlements_append_only()",
    ],
}


def upgrade() -> None:
    op.add_column("deliveries", sa.Column("delivered_at", sa.DateTime(timezone=True),
                                          nullable=True))
    op.create_index("ix_deliveries_provider_id", "deliveries", ["provider_id"])
    op.create_table(
        "delivery_settlements",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("delivery_id", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("note_code", sa.String(64), nullable=True),
    )
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER delivery_settlements_append_only ON delivery_settlements")
        op.execute("DROP FUNCTION delivery_settlements_append_only()")
    op.drop_table("delivery_settlements")
    op.drop_index("ix_deliveries_provider_id", "deliveries")
    with op.batch_alter_table("deliveries") as table:
        table.drop_column("delivered_at")
