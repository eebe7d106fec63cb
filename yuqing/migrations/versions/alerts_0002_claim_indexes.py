"""alerts: indexes for claiming due rows per channel and for taking over expired claims

Revision ID: alerts_0002
Revises: 0001_base
"""
import sqlalchemy as sa
from alembic import op

revision = "alerts_0002"
down_revision = "0001_base"
branch_labels = ("alerts",)
depends_on = None

_DUE = "status IN ('pending', 'retry')"
_SENDING = "status = 'sending'"


def upgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.create_index("ix_notification_channel_due", ["channel", "next_attempt_at"], unique=False,
                           sqlite_where=sa.text(_DUE), postgresql_where=sa.text(_DUE))
        batch.create_index("ix_notification_claimed", ["claimed_until"], unique=False,
                           sqlite_where=sa.text(_SENDING), postgresql_where=sa.text(_SENDING))


def downgrade() -> None:
    with op.batch_alter_table("notification") as batch:
        batch.drop_index("ix_notification_claimed", sqlite_where=sa.text(_SENDING), postgresql_where=sa.text(_SENDING))
        batch.drop_index("ix_notification_channel_due", sqlite_where=sa.text(_DUE), postgresql_where=sa.text(_DUE))
