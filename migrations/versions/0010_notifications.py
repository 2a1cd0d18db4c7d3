"""notifications: reply-notice subscriptions, suppressions, the mail outbox, moderator alerts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:15:33

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_suppression',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_mail_suppression'))
    )
    op.create_table('mail_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('to_hash', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_mail_outbox_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_mail_outbox_dedupe_key'))
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_mail_outbox_due', ['sent_at', 'failed_at', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_outbox_to_hash'), ['to_hash'], unique=False)

    op.create_table('mail_subscription',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('reader_id', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_mail_subscription_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_mail_subscription_site_id_site'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_subscription')),
    sa.UniqueConstraint('comment_id', name=op.f('uq_mail_subscription_comment_id'))
    )
    with op.batch_alter_table('mail_subscription', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_subscription_reader_id'), ['reader_id'], unique=False)
        batch_op.create_index('ix_mail_subscription_site_hash', ['site_id', 'email_hash'], unique=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_digest', sa.Boolean(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('alert_daily', sa.Boolean(), server_default='1', nullable=False))

    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))

    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alert_pending', sa.Integer(), server_default='20', nullable=False))
        batch_op.add_column(sa.Column('alert_oldest_minutes', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('alert_active', sa.Boolean(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('alert_sent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('alert_seq', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('summary_day', sa.String(length=10), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('site', schema=None) as batch_op:
        batch_op.drop_column('summary_day')
        batch_op.drop_column('alert_seq')
        batch_op.drop_column('alert_sent_at')
        batch_op.drop_column('alert_active')
        batch_op.drop_column('alert_oldest_minutes')
        batch_op.drop_column('alert_pending')

    with op.batch_alter_table('moderator', schema=None) as batch_op:
        batch_op.drop_column('email')

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('alert_daily')
        batch_op.drop_column('alert_digest')

    with op.batch_alter_table('mail_subscription', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_subscription_site_hash')
        batch_op.drop_index(batch_op.f('ix_mail_subscription_reader_id'))

    op.drop_table('mail_subscription')
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_outbox_to_hash'))
        batch_op.drop_index(batch_op.f('ix_mail_outbox_site_id'))
        batch_op.drop_index('ix_mail_outbox_due')

    op.drop_table('mail_outbox')
    op.drop_table('mail_suppression')
