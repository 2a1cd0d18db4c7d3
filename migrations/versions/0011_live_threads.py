"""live threads: comment index in publication order (article, status, published_at, id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_published',
                              ['article_id', 'status', 'published_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_published')
