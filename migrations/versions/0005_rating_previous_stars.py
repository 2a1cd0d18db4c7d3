"""rating.previous_stars: the stars a vote had before its latest change

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_stars', sa.SmallInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('rating', schema=None) as batch_op:
        batch_op.drop_column('previous_stars')
