"""Grants: each accepted subscribe message is one more send of that template to that person."""
from sqlalchemy import select

from extensions import db
from models.notifications import NotificationGrant
from services.notifications import add_grants


def test_a_first_grant_of_a_template_allows_one_message(make, app):
    resident = make.resident()
    template_id = app.config["WECHAT_TEMPLATES"]["request_offered"]
    add_grants(resident, [template_id])
    db.session.commit()
    grant = db.session.execute(select(NotificationGrant)).scalar_one()
    assert (grant.user_id, grant.template_id, grant.remaining) == (resident.id, template_id, 1)
