"""monitor: near-duplicate keys on items, fetched_at index

Revision ID: monitor_0002
Revises: 0001_base
Create Date: 2026-11-21
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "monitor_0002"
down_revision = "0001_base"
branch_labels = ("monitor",)
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("original_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("title_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("minhash", sa.LargeBinary(), nullable=True))
        batch_op.create_index("ix_item_fetched_at", ["fetched_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item", schema=None) as batch_op:
        batch_op.drop_index("ix_item_fetched_at")
        batch_op.drop_column("minhash")
        batch_op.drop_column("title_key")
        batch_op.drop_column("original_text")
