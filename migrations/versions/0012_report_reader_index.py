"""reader reports: index comment_report (reader_id, comment_id)

The reader's own state lists the comments they reported (so the widget shows "reported" after
a reload), and erasure and export find a reader's reports; without this index each scanned the
whole comment_report table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment_report', schema=None) as batch_op:
        batch_op.create_index('ix_comment_report_reader', ['reader_id', 'comment_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('comment_report', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_report_reader')
