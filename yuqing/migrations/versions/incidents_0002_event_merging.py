"""incidents: incident features and merged_into_id on events

Revision ID: incidents_0002
Revises: monitor_0002
Create Date: 2026-11-21
"""
import sqlalchemy as sa
from alembic import op

revision = "incidents_0002"
down_revision = "monitor_0002"
branch_labels = ("incidents",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_event_merged_into_id", ["merged_into_id"], unique=False)
        batch_op.create_foreign_key("fk_event_merged_into_id_event", "event", ["merged_into_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint("fk_event_merged_into_id_event", type_="foreignkey")
        batch_op.drop_index("ix_event_merged_into_id")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("incident")
