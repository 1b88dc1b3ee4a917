"""resource and need lists, joint projects, branch rosters

Revision ID: 0018_coordination_more
Revises: 0017_reports
Create Date: 2026-11-30 11:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018_coordination_more'
down_revision = '0017_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('community_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('venue', 'skill', 'funds', 'volunteers', name='resource_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_community_needs_community_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_needs'))
    )
    with op.batch_alter_table('community_needs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_needs_community_id'), ['community_id'], unique=False)

    op.create_table('mass_organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('choir', 'volunteer_team', 'art_troupe', 'interest_group', 'other', name='mass_org_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['branch_id'], ['org_units.id'], name=op.f('fk_mass_organisations_branch_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mass_organisations')),
    sa.UniqueConstraint('branch_id', 'name', name=op.f('uq_mass_organisations_branch_id_name'))
    )
    with op.batch_alter_table('mass_organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mass_organisations_branch_id'), ['branch_id'], unique=False)

    op.create_table('branch_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('mobile', sa.Boolean(), nullable=False),
    sa.Column('current_location', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('other_contact', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT mobile OR current_location IS NOT NULL', name=op.f('ck_branch_members_mobile_has_location')),
    sa.CheckConstraint('mobile OR (current_location IS NULL AND phone IS NULL AND other_contact IS NULL)', name=op.f('ck_branch_members_contact_only_for_mobile')),
    sa.ForeignKeyConstraint(['branch_id'], ['org_units.id'], name=op.f('fk_branch_members_branch_id_org_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_branch_members_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_branch_members')),
    sa.UniqueConstraint('branch_id', 'user_id', name=op.f('uq_branch_members_branch_id_user_id'))
    )
    with op.batch_alter_table('branch_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_branch_members_branch_id'), ['branch_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_branch_members_user_id'), ['user_id'], unique=False)

    op.create_table('joint_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('need_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('planned', 'running', 'done', 'dropped', name='project_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('outcome', sa.String(length=1000), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status NOT IN ('done', 'dropped') OR (outcome IS NOT NULL AND closed_at IS NOT NULL)", name=op.f('ck_joint_projects_closed_has_outcome')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['users.id'], name=op.f('fk_joint_projects_closed_by_id_users')),
    sa.ForeignKeyConstraint(['community_id'], ['org_units.id'], name=op.f('fk_joint_projects_community_id_org_units')),
    sa.ForeignKeyConstraint(['need_id'], ['community_needs.id'], name=op.f('fk_joint_projects_need_id_community_needs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_joint_projects'))
    )
    with op.batch_alter_table('joint_projects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_joint_projects_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_joint_projects_need_id'), ['need_id'], unique=False)
        batch_op.create_index('ix_joint_projects_status_closed_at', ['status', 'closed_at'], unique=False)

    op.create_table('resource_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('venue', 'skill', 'funds', 'volunteers', name='resource_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("amount_cents IS NULL OR kind = 'funds'", name=op.f('ck_resource_offers_amount_only_for_funds')),
    sa.CheckConstraint('amount_cents IS NULL OR amount_cents >= 0', name=op.f('ck_resource_offers_amount_not_negative')),
    sa.ForeignKeyConstraint(['street_id'], ['org_units.id'], name=op.f('fk_resource_offers_street_id_org_units')),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_resource_offers_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_offers'))
    )
    with op.batch_alter_table('resource_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_offers_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_offers_unit_id'), ['unit_id'], unique=False)

    op.create_table('project_offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['resource_offers.id'], name=op.f('fk_project_offers_offer_id_resource_offers')),
    sa.ForeignKeyConstraint(['project_id'], ['joint_projects.id'], name=op.f('fk_project_offers_project_id_joint_projects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['resident_units.id'], name=op.f('fk_project_offers_unit_id_resident_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_offers')),
    sa.UniqueConstraint('project_id', 'offer_id', name=op.f('uq_project_offers_project_id_offer_id'))
    )
    with op.batch_alter_table('project_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_offers_offer_id'), ['offer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_offers_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_offers_unit_id'), ['unit_id'], unique=False)



def downgrade():
    with op.batch_alter_table('project_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_offers_unit_id'))
        batch_op.drop_index(batch_op.f('ix_project_offers_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_offers_offer_id'))

    op.drop_table('project_offers')
    with op.batch_alter_table('resource_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_offers_unit_id'))
        batch_op.drop_index(batch_op.f('ix_resource_offers_street_id'))

    op.drop_table('resource_offers')
    with op.batch_alter_table('joint_projects', schema=None) as batch_op:
        batch_op.drop_index('ix_joint_projects_status_closed_at')
        batch_op.drop_index(batch_op.f('ix_joint_projects_need_id'))
        batch_op.drop_index(batch_op.f('ix_joint_projects_community_id'))

    op.drop_table('joint_projects')
    with op.batch_alter_table('branch_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_branch_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_branch_members_branch_id'))

    op.drop_table('branch_members')
    with op.batch_alter_table('mass_organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mass_organisations_branch_id'))

    op.drop_table('mass_organisations')
    with op.batch_alter_table('community_needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_community_needs_community_id'))

    op.drop_table('community_needs')
