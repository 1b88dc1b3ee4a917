"""social offers: their own place (lat, lng) for residents' distance, who edited them last, and a version
that decisions guard on

Revision ID: 0021_offer_places
Revises: 0020_wechat
Create Date: 2026-12-02 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0021_offer_places'
down_revision = '0020_wechat'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('social_offers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('lng', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('edited_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f('fk_social_offers_edited_by_id_users'), 'users', ['edited_by_id'], ['id']
        )
        batch_op.create_check_constraint(
            'not_decided_by_editor', 'decided_by_id IS NULL OR edited_by_id IS NULL OR decided_by_id <> edited_by_id'
        )
        batch_op.create_check_constraint('lat_range', 'lat IS NULL OR (lat >= -90 AND lat <= 90)')
        batch_op.create_check_constraint('lng_range', 'lng IS NULL OR (lng >= -180 AND lng <= 180)')
        batch_op.create_check_constraint('lat_lng_together', '(lat IS NULL) = (lng IS NULL)')


def downgrade():
    with op.batch_alter_table('social_offers', schema=None) as batch_op:
        batch_op.drop_constraint('lat_lng_together', type_='check')
        batch_op.drop_constraint('lng_range', type_='check')
        batch_op.drop_constraint('lat_range', type_='check')
        batch_op.drop_constraint('not_decided_by_editor', type_='check')
        batch_op.drop_constraint(batch_op.f('fk_social_offers_edited_by_id_users'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('edited_by_id')
        batch_op.drop_column('lng')
        batch_op.drop_column('lat')
