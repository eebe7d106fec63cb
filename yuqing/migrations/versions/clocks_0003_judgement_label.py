"""responders: judgement_label, the officers' decisions stored as labels (issue 14)

Revision ID: clocks_0003
Revises: clocks_0002
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.timestamps

revision = "clocks_0003"
down_revision = "clocks_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "judgement_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", monitor.timestamps.UTCDateTime(), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("priority", sa.Boolean(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("localities", sa.JSON(), nullable=True),
        sa.Column("sectors", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("drill", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("judgement_label") as batch:
        batch.create_index(batch.f("ix_judgement_label_case_id"), ["case_id"], unique=False)
        batch.create_index(batch.f("ix_judgement_label_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("judgement_label") as batch:
        batch.drop_index(batch.f("ix_judgement_label_created_at"))
        batch.drop_index(batch.f("ix_judgement_label_case_id"))
    op.drop_table("judgement_label")
