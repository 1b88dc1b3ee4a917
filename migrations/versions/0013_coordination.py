"""resident units, coordination bodies, meetings, resolutions, terms, annual reports

Revision ID: 0013_coordination
Revises: 0012_audit
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013_coordination'
down_revision = '0012_audit'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('coordination_bodies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('guidance_committee', 'coordination_committee', 'joint_meeting', name='body_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_coordination_bodies_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coordination_bodies')),
    sa.UniqueConstraint('org_id', 'kind', name=op.f('uq_coordination_bodies_org_id_kind'))
    )
    with op.batch_alter_table('coordination_bodies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coordination_bodies_org_id'), ['org_id'], unique=False)

    op.create_table('resident_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('agency', 'enterprise', 'institution', 'social_org', 'other', name='unit_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('party_org_name', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(lat IS NULL) = (lng IS NULL)', name=op.f('ck_resident_units_lat_lng_together')),
    sa.CheckConstraint('lat IS NULL OR (lat >= -90 AND lat <= 90)', name=op.f('ck_resident_units_lat_range')),
    sa.CheckConstraint('lng IS NULL OR (lng >= -180 AND lng <= 180)', name=op.f('ck_resident_units_lng_range')),
    sa.ForeignKeyConstraint(['street_id'], ['org_units.id'], name=op.f('fk_resident_units_street_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_units')),
    sa.UniqueConstraint('street_id', 'name', name=op.f('uq_resident_units_street_id_name'))
    )
    with op.batch_alter_table('resident_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_units_street_id'), ['street_id'], unique=False)

    op.create_table('body_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('representative_name', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['coordination_bodies.id'], name=op.f('fk_body_members_body_id_coordination_bodies')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_body_members_org_id_org_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_body_members_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_body_members')),
    sa.UniqueConstraint('body_id', 'unit_id', name=op.f('uq_body_members_body_id_unit_id'))
    )
    with op.batch_alter_table('body_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_body_members_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_body_members_unit_id'), ['unit_id'], unique=False)

    op.create_table('leadership_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('post', sa.Enum('secretary', 'deputy_secretary', 'organization_member', 'propaganda_member', 'discipline_member', name='leadership_post', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('holder_name', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('reminded_90_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminded_30_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('left_on IS NULL OR left_on >= starts_on', name=op.f('ck_leadership_terms_left_after_start')),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_leadership_terms_starts_before_end')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_leadership_terms_org_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_leadership_terms_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leadership_terms'))
    )
    with op.batch_alter_table('leadership_terms', schema=None) as batch_op:
        batch_op.create_index('ix_leadership_terms_org_post', ['org_id', 'post'], unique=False)

    op.create_table('meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('held_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agenda', sa.JSON(), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['body_id'], ['coordination_bodies.id'], name=op.f('fk_meetings_body_id_coordination_bodies')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_meetings_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meetings_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meetings_org_id'), ['org_id'], unique=False)

    op.create_table('unit_liaisons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_unit_liaisons_unit_id_resident_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_unit_liaisons_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_unit_liaisons')),
    sa.UniqueConstraint('user_id', 'unit_id', name=op.f('uq_unit_liaisons_user_id_unit_id'))
    )
    with op.batch_alter_table('unit_liaisons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_liaisons_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_unit_liaisons_user_id'), ['user_id'], unique=False)

    op.create_table('annual_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('draft', 'presented', name='report_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'presented' OR meeting_id IS NOT NULL", name=op.f('ck_annual_reports_presented_at_meeting')),
    sa.CheckConstraint('year >= 2000 AND year <= 2100', name=op.f('ck_annual_reports_year_range')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_annual_reports_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_annual_reports_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_reports')),
    sa.UniqueConstraint('org_id', 'year', name=op.f('uq_annual_reports_org_id_year'))
    )
    op.create_table('meeting_attendances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_attendances_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_meeting_attendances_org_id_org_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_meeting_attendances_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_attendances')),
    sa.UniqueConstraint('meeting_id', 'unit_id', name=op.f('uq_meeting_attendances_meeting_id_unit_id'))
    )
    with op.batch_alter_table('meeting_attendances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_attendances_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('resolutions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('body_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('owner_unit_id', sa.Integer(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('open', 'done', 'dropped', name='resolution_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outcome', sa.String(length=500), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_soon_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'done' OR outcome IS NOT NULL", name=op.f('ck_resolutions_done_has_outcome')),
    sa.ForeignKeyConstraint(['body_id'], ['coordination_bodies.id'], name=op.f('fk_resolutions_body_id_coordination_bodies')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_resolutions_closed_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_resolutions_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_resolutions_org_id_org_units')),
    sa.ForeignKeyConstraint(['owner_unit_id'], ['resident_units.id'], name=op.f('fk_resolutions_owner_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resolutions'))
    )
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resolutions_body_id'), ['body_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resolutions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resolutions_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resolutions_owner_unit_id'), ['owner_unit_id'], unique=False)
        batch_op.create_index('ix_resolutions_status_due_date', ['status', 'due_date'], unique=False)

    op.create_table('report_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('representative_name', sa.String(length=50), nullable=False),
    sa.Column('comment', sa.String(length=1000), nullable=False),
    sa.Column('answer', sa.String(length=1000), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_report_comments_org_id_org_units')),
    sa.ForeignKeyConstraint(['report_id'], ['annual_reports.id'], name=op.f('fk_report_comments_report_id_annual_reports')),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_report_comments_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_comments'))
    )
    with op.batch_alter_table('report_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_comments_report_id'), ['report_id'], unique=False)

    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('employer_unit_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_registrations_employer_unit_id'), ['employer_unit_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_registrations_employer_unit_id_resident_units'), 'resident_units', ['employer_unit_id'], ['id'])



def downgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_registrations_employer_unit_id_resident_units'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_registrations_employer_unit_id'))
        batch_op.drop_column('employer_unit_id')

    with op.batch_alter_table('report_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_comments_report_id'))

    op.drop_table('report_comments')
    with op.batch_alter_table('resolutions', schema=None) as batch_op:
        batch_op.drop_index('ix_resolutions_status_due_date')
        batch_op.drop_index(batch_op.f('ix_resolutions_owner_unit_id'))
        batch_op.drop_index(batch_op.f('ix_resolutions_org_id'))
        batch_op.drop_index(batch_op.f('ix_resolutions_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_resolutions_body_id'))

    op.drop_table('resolutions')
    with op.batch_alter_table('meeting_attendances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_attendances_meeting_id'))

    op.drop_table('meeting_attendances')
    op.drop_table('annual_reports')
    with op.batch_alter_table('unit_liaisons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_liaisons_user_id'))
        batch_op.drop_index(batch_op.f('ix_unit_liaisons_unit_id'))

    op.drop_table('unit_liaisons')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meetings_org_id'))
        batch_op.drop_index(batch_op.f('ix_meetings_body_id'))

    op.drop_table('meetings')
    with op.batch_alter_table('leadership_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_leadership_terms_org_post')

    op.drop_table('leadership_terms')
    with op.batch_alter_table('body_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_body_members_unit_id'))
        batch_op.drop_index(batch_op.f('ix_body_members_body_id'))

    op.drop_table('body_members')
    with op.batch_alter_table('resident_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_units_street_id'))

    op.drop_table('resident_units')
    with op.batch_alter_table('coordination_bodies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coordination_bodies_org_id'))

    op.drop_table('coordination_bodies')
