"""The API blueprints, registered under /api/v1 in this order."""
from blueprints import auth, me, orgs, staff

ALL_BLUEPRINTS = [
    auth.blp,
    me.blp,
    orgs.blp,
    staff.blp,
]
