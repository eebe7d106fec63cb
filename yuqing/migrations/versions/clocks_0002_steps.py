"""clocks: step notes and failure counts, manual case description

Revision ID: clocks_0002
Revises: 0001_base
"""
import sqlalchemy as sa
from alembic import op

revision = "clocks_0002"
down_revision = "0001_base"
branch_labels = ("clocks",)
depends_on = None


def upgrade() -> None:
    op.add_column("case", sa.Column("description", sa.Text(), nullable=True))
    op.add_column("clockstep", sa.Column("note", sa.Text(), nullable=True))
    op.add_column("clockstep", sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
    op.add_column("clockstep", sa.Column("last_error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("clockstep") as batch:
        batch.drop_column("last_error")
        batch.drop_column("failures")
        batch.drop_column("note")
    with op.batch_alter_table("case") as batch:
        batch.drop_column("description")
