"""merge the members, requests, notifications and contacts branches

Revision ID: 0006_merge_areas
Revises: 0002_members, 0003_requests, 0004_notifications, 0005_contacts
"""

revision = "0006_merge_areas"
down_revision = ("0002_members", "0003_requests", "0004_notifications", "0005_contacts")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
