"""Index pending plans by expiry: the worker expires unanswered plans every few seconds.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plans") as batch_op:
        batch_op.create_index("ix_plans_status_expires_at", ["status", "expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plans") as batch_op:
        batch_op.drop_index("ix_plans_status_expires_at")
