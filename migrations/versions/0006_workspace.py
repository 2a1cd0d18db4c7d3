"""moderator workspace: rejection reason codes, undo links, audit and reported-queue indexes, per-site API keys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 22:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('moderator_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['moderator_id'], ['moderator.id'], name=op.f('fk_site_api_key_moderator_id_moderator'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_site_api_key_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_site_api_key_key_hash'))
    )
    with op.batch_alter_table('site_api_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_site_api_key_site_id'), ['site_id'], unique=False)

    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_reported', ['site_id', 'status', 'created_at', 'id'],
                              unique=False, sqlite_where=sa.text('reported_at IS NOT NULL'),
                              postgresql_where=sa.text('reported_at IS NOT NULL'))
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_code', sa.String(length=32), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('undoes_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_moderation_action_undoes_id_moderation_action'),
                                    'moderation_action', ['undoes_id'], ['id'], ondelete='CASCADE')
        batch_op.create_unique_constraint('uq_moderation_action_undoes', ['undoes_id'])
        batch_op.create_index('ix_moderation_action_moderator_time', ['moderator_id', 'created_at'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.drop_index('ix_moderation_action_moderator_time')
        batch_op.drop_constraint('uq_moderation_action_undoes', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_moderation_action_undoes_id_moderation_action'),
                                 type_='foreignkey')
        batch_op.drop_column('undoes_id')
        batch_op.drop_column('reason_code')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_reported')
    with op.batch_alter_table('site_api_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_site_api_key_site_id'))
    op.drop_table('site_api_key')
