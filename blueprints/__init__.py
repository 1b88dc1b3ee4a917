"""The API blueprints, registered under /api/v1 in this order."""
from blueprints import auth, me, orgs, staff
from blueprints import members, stations, checkins
from blueprints import notifications
from blueprints import categories, requests
from blueprints import contacts
from blueprints import meta, exports, dashboard

ALL_BLUEPRINTS = [
    auth.blp,
    me.blp,
    orgs.blp,
    staff.blp,
    members.blp,
    stations.blp,
    checkins.blp,
    notifications.blp,
    categories.blp,
    requests.blp,
    contacts.blp,
    meta.blp,
    exports.blp,
    dashboard.blp,
]
