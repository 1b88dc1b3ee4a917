"""care targets, visits and the funds

Revision ID: 0014_care_funds
Revises: 0013_coordination
Create Date: 2026-11-30 10:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0014_care_funds'
down_revision = '0013_coordination'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('care_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.Column('needs', sa.JSON(), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('consent_on', sa.Date(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['org_units.id'], name=op.f('fk_care_targets_building_id_org_units')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_care_targets_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_care_targets'))
    )
    with op.batch_alter_table('care_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_care_targets_building_id'), ['building_id'], unique=False)

    op.create_table('funds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('poverty_relief', 'charity', 'disability', name='fund_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('balance_cents', sa.BigInteger(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance_cents >= 0', name=op.f('ck_funds_balance_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_funds_created_by_id_users')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_funds_org_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_funds')),
    sa.UniqueConstraint('org_id', 'name', name=op.f('uq_funds_org_id_name'))
    )
    with op.batch_alter_table('funds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_funds_org_id'), ['org_id'], unique=False)

    op.create_table('fund_disbursements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sa.String(length=200), nullable=False),
    sa.Column('care_target_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', name='disbursement_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'approved' OR decided_by_id <> requested_by_id", name=op.f('ck_fund_disbursements_not_self_approved')),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_fund_disbursements_amount_positive')),
    sa.ForeignKeyConstraint(['care_target_id'], ['care_targets.id'], name=op.f('fk_fund_disbursements_care_target_id_care_targets')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_fund_disbursements_decided_by_id_users')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_fund_disbursements_fund_id_funds')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_fund_disbursements_org_id_org_units')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_fund_disbursements_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_disbursements'))
    )
    with op.batch_alter_table('fund_disbursements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_disbursements_care_target_id'), ['care_target_id'], unique=False)
        batch_op.create_index('ix_fund_disbursements_fund_status', ['fund_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_disbursements_org_id'), ['org_id'], unique=False)

    op.create_table('visit_plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('care_target_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('every_weeks', sa.Integer(), nullable=False),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('overdue_alerted_for', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('every_weeks >= 1 AND every_weeks <= 52', name=op.f('ck_visit_plans_every_weeks_range')),
    sa.ForeignKeyConstraint(['building_id'], ['org_units.id'], name=op.f('fk_visit_plans_building_id_org_units')),
    sa.ForeignKeyConstraint(['care_target_id'], ['care_targets.id'], name=op.f('fk_visit_plans_care_target_id_care_targets')),
    sa.ForeignKeyConstraint(['visitor_id'], ['users.id'], name=op.f('fk_visit_plans_visitor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_plans')),
    sa.UniqueConstraint('care_target_id', 'visitor_id', name=op.f('uq_visit_plans_care_target_id_visitor_id'))
    )
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.create_index('ix_visit_plans_active_due', ['active', 'next_due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_plans_visitor_id'), ['visitor_id'], unique=False)

    op.create_table('fund_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('donation', 'disbursement', 'reversal', name='fund_entry_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('donor_kind', sa.Enum('unit', 'person', name='donor_kind', native_enum=False, create_constraint=True, length=10), nullable=True),
    sa.Column('donor_name', sa.String(length=100), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('disbursement_id', sa.Integer(), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(kind = 'disbursement') = (disbursement_id IS NOT NULL)", name=op.f('ck_fund_entries_disbursement_named')),
    sa.CheckConstraint("(kind = 'donation') = (donor_name IS NOT NULL)", name=op.f('ck_fund_entries_donation_has_donor')),
    sa.CheckConstraint("(kind = 'reversal') = (reverses_id IS NOT NULL)", name=op.f('ck_fund_entries_reversal_names_entry')),
    sa.CheckConstraint("kind <> 'disbursement' OR amount_cents < 0", name=op.f('ck_fund_entries_disbursement_out')),
    sa.CheckConstraint("kind <> 'donation' OR amount_cents > 0", name=op.f('ck_fund_entries_donation_in')),
    sa.CheckConstraint('amount_cents <> 0', name=op.f('ck_fund_entries_amount_not_zero')),
    sa.ForeignKeyConstraint(['disbursement_id'], ['fund_disbursements.id'], name=op.f('fk_fund_entries_disbursement_id_fund_disbursements')),
    sa.ForeignKeyConstraint(['fund_id'], ['funds.id'], name=op.f('fk_fund_entries_fund_id_funds')),
    sa.ForeignKeyConstraint(['org_id'], ['org_units.id'], name=op.f('fk_fund_entries_org_id_org_units')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_fund_entries_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['reverses_id'], ['fund_entries.id'], name=op.f('fk_fund_entries_reverses_id_fund_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_entries')),
    sa.UniqueConstraint('disbursement_id', name=op.f('uq_fund_entries_disbursement_id')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_fund_entries_reverses_id'))
    )
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.create_index('ix_fund_entries_fund_booked', ['fund_id', 'booked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_fund_entries_org_id'), ['org_id'], unique=False)

    op.create_table('visit_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('care_target_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('visitor_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('summary', sa.String(length=1000), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'rejected', name='visit_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('confirmed_by_id IS NULL OR confirmed_by_id <> visitor_id', name=op.f('ck_visit_records_not_self_confirmed')),
    sa.CheckConstraint('minutes > 0 AND minutes <= 480', name=op.f('ck_visit_records_minutes_range')),
    sa.ForeignKeyConstraint(['building_id'], ['org_units.id'], name=op.f('fk_visit_records_building_id_org_units')),
    sa.ForeignKeyConstraint(['care_target_id'], ['care_targets.id'], name=op.f('fk_visit_records_care_target_id_care_targets')),
    sa.ForeignKeyConstraint(['confirmed_by_id'], ['users.id'], name=op.f('fk_visit_records_confirmed_by_id_users')),
    sa.ForeignKeyConstraint(['plan_id'], ['visit_plans.id'], name=op.f('fk_visit_records_plan_id_visit_plans')),
    sa.ForeignKeyConstraint(['visitor_id'], ['users.id'], name=op.f('fk_visit_records_visitor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_records'))
    )
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_records_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_records_care_target_id'), ['care_target_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_records_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_records_visitor_id'), ['visitor_id'], unique=False)


def downgrade():
    with op.batch_alter_table('visit_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_records_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_visit_records_plan_id'))
        batch_op.drop_index(batch_op.f('ix_visit_records_care_target_id'))
        batch_op.drop_index(batch_op.f('ix_visit_records_building_id'))

    op.drop_table('visit_records')
    with op.batch_alter_table('fund_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_entries_org_id'))
        batch_op.drop_index('ix_fund_entries_fund_booked')

    op.drop_table('fund_entries')
    with op.batch_alter_table('visit_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_plans_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_visit_plans_building_id'))
        batch_op.drop_index('ix_visit_plans_active_due')

    op.drop_table('visit_plans')
    with op.batch_alter_table('fund_disbursements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_disbursements_org_id'))
        batch_op.drop_index('ix_fund_disbursements_fund_status')
        batch_op.drop_index(batch_op.f('ix_fund_disbursements_care_target_id'))

    op.drop_table('fund_disbursements')
    with op.batch_alter_table('funds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_funds_org_id'))

    op.drop_table('funds')
    with op.batch_alter_table('care_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_care_targets_building_id'))

    op.drop_table('care_targets')
