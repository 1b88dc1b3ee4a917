"""evaluation rounds, ballots and positions

Revision ID: 0016_evaluation
Revises: 0015_activities
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_evaluation'
down_revision = '0015_activities'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('evaluation_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('open', 'closed', name='evaluation_round_status', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('dimensions', sa.JSON(), nullable=False),
    sa.Column('meeting_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('meeting_place', sa.String(length=200), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(status = 'closed') = (closed_at IS NOT NULL)", name=op.f('ck_evaluation_rounds_closed_when_closed')),
    sa.CheckConstraint('year >= 2000 AND year <= 2100', name=op.f('ck_evaluation_rounds_year_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_evaluation_rounds_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_evaluation_rounds_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_rounds'))
    )
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_rounds_org_id'), ['org_id'], unique=False)

    op.create_table('evaluation_ballots',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.Enum('member', 'resident', 'unit', 'superior', name='evaluation_sector', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_ballots_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_ballots')),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('evaluation_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_ballots_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.Enum('member', 'resident', 'unit', 'superior', name='evaluation_sector', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('spent', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_codes_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_codes')),
    sa.UniqueConstraint('digest', name=op.f('uq_evaluation_codes_digest'))
    )
    with op.batch_alter_table('evaluation_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_codes_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_subjects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('report_text', sa.Text(), nullable=True),
    sa.Column('report_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_evaluation_subjects_org_id_org_units')),
    sa.ForeignKeyConstraint(['round_id'], ['evaluation_rounds.id'], name=op.f('fk_evaluation_subjects_round_id_evaluation_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_subjects')),
    sa.UniqueConstraint('round_id', 'org_id', name=op.f('uq_evaluation_subjects_round_id_org_id'))
    )
    with op.batch_alter_table('evaluation_subjects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_subjects_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluation_subjects_round_id'), ['round_id'], unique=False)

    op.create_table('evaluation_assessments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('daily', 'pre_report', name='evaluation_assessment_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('item', sa.String(length=100), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('assessed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('score >= 0 AND score <= 100', name=op.f('ck_evaluation_assessments_score_range')),
    sa.ForeignKeyConstraint(['assessed_by_id'], ['users.id'], name=op.f('fk_evaluation_assessments_assessed_by_id_users')),
    sa.ForeignKeyConstraint(['subject_id'], ['evaluation_subjects.id'], name=op.f('fk_evaluation_assessments_subject_id_evaluation_subjects'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_assessments'))
    )
    with op.batch_alter_table('evaluation_assessments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_assessments_subject_id'), ['subject_id'], unique=False)

    op.create_table('evaluation_media',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('image', 'pdf', 'video_link', name='evaluation_media_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('stored_name', sa.String(length=64), nullable=True),
    sa.Column('content_type', sa.String(length=50), nullable=True),
    sa.Column('size_bytes', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'video_link') = (stored_name IS NULL)", name=op.f('ck_evaluation_media_file_unless_link')),
    sa.CheckConstraint("(kind = 'video_link') = (url IS NOT NULL)", name=op.f('ck_evaluation_media_link_or_file')),
    sa.CheckConstraint('size_bytes IS NULL OR size_bytes > 0', name=op.f('ck_evaluation_media_size_positive')),
    sa.ForeignKeyConstraint(['subject_id'], ['evaluation_subjects.id'], name=op.f('fk_evaluation_media_subject_id_evaluation_subjects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evaluation_media_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluation_media')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_evaluation_media_stored_name'))
    )
    with op.batch_alter_table('evaluation_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluation_media_subject_id'), ['subject_id'], unique=False)

    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('funding', sa.Enum('fiscal', 'department_aid', 'self_raised', name='station_funding', native_enum=False, create_constraint=True, length=20), nullable=True))
        batch_op.add_column(sa.Column('named_member_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('household_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_stations_named_member_id_users'), 'users', ['named_member_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_stations_household_user_id_users'), 'users', ['household_user_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_stations_named_only_building_point'), "named_member_id IS NULL OR kind = 'building_named_station'")
        batch_op.create_check_constraint(batch_op.f('ck_stations_household_only_room'), "household_user_id IS NULL OR kind = 'household_activity_room'")


def downgrade():
    with op.batch_alter_table('stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_stations_household_only_room'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_stations_named_only_building_point'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_stations_household_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_stations_named_member_id_users'), type_='foreignkey')
        batch_op.drop_column('household_user_id')
        batch_op.drop_column('named_member_id')
        batch_op.drop_column('funding')

    with op.batch_alter_table('evaluation_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_media_subject_id'))

    op.drop_table('evaluation_media')
    with op.batch_alter_table('evaluation_assessments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_assessments_subject_id'))

    op.drop_table('evaluation_assessments')
    with op.batch_alter_table('evaluation_subjects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_subjects_round_id'))
        batch_op.drop_index(batch_op.f('ix_evaluation_subjects_org_id'))

    op.drop_table('evaluation_subjects')
    with op.batch_alter_table('evaluation_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_codes_round_id'))

    op.drop_table('evaluation_codes')
    with op.batch_alter_table('evaluation_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_ballots_round_id'))

    op.drop_table('evaluation_ballots')
    with op.batch_alter_table('evaluation_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluation_rounds_org_id'))

    op.drop_table('evaluation_rounds')
