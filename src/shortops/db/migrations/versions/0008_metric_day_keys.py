"""metric_day keeps one foreign key (publication) and one workspace index

The workspace, account and import of a day row are copies of its publication's and its
import's, kept for filtering; checking each as a foreign key on every row an import writes
cost more than the rest of the insert on PostgreSQL. The single-column workspace index
repeated the (workspace_id, day) index's leading column.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 21:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = (
    ("fk_metric_day_workspace_id_workspace", "workspace", "workspace_id", "CASCADE"),
    ("fk_metric_day_account_id_account", "account", "account_id", "CASCADE"),
    ("fk_metric_day_import_id_metric_import", "metric_import", "import_id", "SET NULL"),
)


def upgrade() -> None:
    with op.batch_alter_table("metric_day", schema=None) as batch_op:
        batch_op.drop_index("ix_metric_day_workspace_id")
        for name, _table, _column, _action in DROPPED:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    with op.batch_alter_table("metric_day", schema=None) as batch_op:
        for name, table, column, action in DROPPED:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete=action)
        batch_op.create_index("ix_metric_day_workspace_id", ["workspace_id"], unique=False)
