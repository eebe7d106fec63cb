"""alerts: a generation on each lease, to fence the outbox claims taken under it

Revision ID: alerts_0003
Revises: alerts_0002
"""
import sqlalchemy as sa
from alembic import op

revision = "alerts_0003"
down_revision = "alerts_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lease") as batch:
        batch.add_column(sa.Column("generation", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("lease") as batch:
        batch.drop_column("generation")
