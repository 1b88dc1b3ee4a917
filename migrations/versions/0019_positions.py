"""checklist evidence and position completeness

Revision ID: 0019_positions
Revises: 0018_coordination_more
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_positions'
down_revision = '0018_coordination_more'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('station_checklist_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.Enum('has_place', 'has_sign', 'has_flag', 'has_oath', 'has_rights_duties', 'has_rules', 'has_publications', 'has_av_equipment', 'work_profile', 'characteristic_experience', 'e_education_film', 'study_video_system', name='station_checklist_item', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('checked_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_station_checklist_evidence_size_positive')),
    sa.ForeignKeyConstraint(['checked_by_id'], ['users.id'], name=op.f('fk_station_checklist_evidence_checked_by_id_users')),
    sa.ForeignKeyConstraint(['station_id'], ['stations.id'], name=op.f('fk_station_checklist_evidence_station_id_stations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_checklist_evidence')),
    sa.UniqueConstraint('station_id', 'item', name=op.f('uq_station_checklist_evidence_station_id_item')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_station_checklist_evidence_stored_name'))
    )
    with op.batch_alter_table('station_checklist_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_checklist_evidence_station_id'), ['station_id'], unique=False)

    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_reminded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_column('meeting_reminded_at')

    with op.batch_alter_table('station_checklist_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_checklist_evidence_station_id'))

    op.drop_table('station_checklist_evidence')
