"""moderation assistant: risk score and top terms on comments

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assist_risk', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('assist_terms', sa.JSON(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_comment_assist_risk_probability'),
            'assist_risk IS NULL OR (assist_risk >= 0 AND assist_risk <= 1)')


def downgrade():
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_comment_assist_risk_probability'), type_='check')
        batch_op.drop_column('assist_terms')
        batch_op.drop_column('assist_risk')
