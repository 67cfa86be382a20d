"""The victim's door: requests pending until their contact is confirmed, the door's limits,
which contacts were proven, changes waiting for a one-time code, links taken back, withdrawals
that can be undone, the messages she was sent, and cancelled registrations.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("links_valid_from", TZ, nullable=True))
    # Lookups made before contacts were proven count as unproven: they can only ever lead to a
    # possible duplicate for staff, never to a silent join.
    with op.batch_alter_table("person_lookups") as batch:
        batch.add_column(sa.Column("kind", sa.String(8), nullable=True))
        batch.add_column(sa.Column("confirmed", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("registrations") as batch:
        batch.add_column(sa.Column("cancelled_at", TZ, nullable=True))
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("relationship", sa.String(32), nullable=True))
    op.create_table(
        "pending_requests",
        sa.Column("pending_id", sa.String(64), primary_key=True),
        sa.Column("sealed_form", sa.JSON, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(4), nullable=False),
        sa.Column("secret_hash", sa.String(128), nullable=False, unique=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False, index=True),
    )
    op.create_table(
        "rate_hits",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("window_start", TZ, primary_key=True),
        sa.Column("hits", sa.Integer, nullable=False),
    )
    op.create_table(
        "pending_changes",
        sa.Column("change_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("sealed_change", sa.JSON, nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("code_hash", sa.String(128), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("expires_at", TZ, nullable=False),
    )
    op.create_table(
        "revoked_links",
        sa.Column("link_id", sa.String(128), primary_key=True),
        sa.Column("revoked_at", TZ, nullable=False),
    )
    op.create_table(
        "pending_withdrawals",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("asked_at", TZ, nullable=False),
        sa.Column("final_at", TZ, nullable=False, index=True),
    )
    op.create_table(
        "messages_sent",
        sa.Column("notification_id", sa.String(64), primary_key=True),
        sa.Column("person_id", sa.String(64), nullable=False, index=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("template", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(8), nullable=False),
        sa.Column("at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in ("messages_sent", "pending_withdrawals", "revoked_links", "pending_changes",
                  "rate_hits", "pending_requests"):
        op.drop_table(table)
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("relationship")
    with op.batch_alter_table("registrations") as batch:
        batch.drop_column("cancelled_at")
    with op.batch_alter_table("person_lookups") as batch:
        batch.drop_column("confirmed")
        batch.drop_column("kind")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("links_valid_from")
