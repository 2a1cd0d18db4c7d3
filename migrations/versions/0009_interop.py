"""imports: comment.import_key, unique per site

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_key', sa.String(length=120), nullable=True))
        batch_op.create_index('uq_comment_site_import_key', ['site_id', 'import_key'],
                              unique=True)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('uq_comment_site_import_key')
        batch_op.drop_column('import_key')
