"""Two different entries told with one service's entry number are both kept, each its own row
(``version`` 0, 1, ...), and marked disputed, where the second was silently dropped. Every
service may write vod.audit, so a host holding one service's credentials could otherwise tell
an entry in another's name first and so hide the real one. The table is rebuilt with the
version in its key; the entries kept so far are version 0.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_FIELDS = ("service", "entry_seq", "at", "username", "action", "outcome", "case_id", "address",
           "method", "path", "detail")


def _columns() -> list[sa.Column]:
    return [
        sa.Column("service", sa.String(16), nullable=False),
        sa.Column("entry_seq", sa.BigInteger(), nullable=False, autoincrement=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(64), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("detail", sa.String(300), nullable=True),
    ]


def _rebuild(with_versions: bool) -> None:
    extra = [sa.Column("version", sa.Integer(), nullable=False, server_default="0",
                       autoincrement=False),
             sa.Column("disputed", sa.Boolean(), nullable=False, server_default=sa.false())] \
        if with_versions else []
    key = ("service", "entry_seq", "version") if with_versions else ("service", "entry_seq")
    new = op.create_table("audit_everywhere_rebuilt", *_columns(), *extra,
                          sa.PrimaryKeyConstraint(*key))
    old = sa.table("audit_everywhere", *(sa.column(name) for name in _FIELDS),
                   *([] if with_versions else [sa.column("version")]))
    rows = sa.select(*(old.c[name] for name in _FIELDS))
    if not with_versions:
        rows = rows.where(old.c.version == 0)
    op.execute(new.insert().from_select(list(_FIELDS), rows))
    op.drop_table("audit_everywhere")
    op.rename_table("audit_everywhere_rebuilt", "audit_everywhere")
    if op.get_bind().dialect.name == "postgresql":  # its key named as a table made anew has it
        op.execute("ALTER TABLE audit_everywhere RENAME CONSTRAINT audit_everywhere_rebuilt_pkey "
                   "TO audit_everywhere_pkey")
    op.create_index("ix_audit_everywhere_case_id", "audit_everywhere", ["case_id"])
    op.create_index("ix_audit_everywhere_at", "audit_everywhere", ["at"])
    op.create_index("ix_audit_everywhere_username", "audit_everywhere", ["username", "at"])


def upgrade() -> None:
    _rebuild(with_versions=True)


def downgrade() -> None:
    _rebuild(with_versions=False)  # the first version of each entry only
