"""send tickets: Telegram's send budget shared by several processes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_tickets",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("holder", sa.String(length=60), nullable=True),
        sa.Column("held_until", sa.Double(), nullable=True),
        sa.Column("free_at", sa.Double(), nullable=False),
        sa.Column("promised_to", sa.String(length=60), nullable=True),
        sa.Column("promised_until", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_send_tickets")),
    )


def downgrade() -> None:
    op.drop_table("send_tickets")
