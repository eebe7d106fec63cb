"""web: login attempts (sign-in throttling)

Revision ID: web_0002
Revises: 0001_base
Create Date: 2026-11-21
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

import monitor.timestamps

revision = "web_0002"
down_revision = "0001_base"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loginattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("at", monitor.timestamps.UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.create_index("ix_loginattempt_username_at", ["username", "at"], unique=False)
        batch_op.create_index("ix_loginattempt_address_at", ["address", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loginattempt", schema=None) as batch_op:
        batch_op.drop_index("ix_loginattempt_address_at")
        batch_op.drop_index("ix_loginattempt_username_at")
    op.drop_table("loginattempt")
