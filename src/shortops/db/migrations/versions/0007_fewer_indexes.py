"""drop indexes the unique constraints already provide on the three largest Measure tables

A unique (publication_id, captured_at, source) serves every lookup by publication_id as well;
the separate index only cost time on each of the millions of rows an import writes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 18:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = (
    ("metric_snapshot", "ix_metric_snapshot_publication_id", "publication_id"),
    ("metric_day", "ix_metric_day_publication_id", "publication_id"),
    ("account_day", "ix_account_day_account_id", "account_id"),
)


def upgrade() -> None:
    for table, index, _column in REDUNDANT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(index)


def downgrade() -> None:
    for table, index, column in REDUNDANT:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(index, [column], unique=False)
