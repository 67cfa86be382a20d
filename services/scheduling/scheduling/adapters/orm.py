"""Scheduling's tables."""
from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("cdcr_number", String(16), nullable=False, index=True),
    Column("stage", String(32), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
