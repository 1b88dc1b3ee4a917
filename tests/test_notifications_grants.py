"""Grants: each accepted subscribe message is one more send of that template to that person."""
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, insert, select

from extensions import db
from models.notifications import NotificationGrant
from services.errors import Invalid
from services.notifications import add_grants
from tests.conftest import body, unordered_rows_reversed

LATER = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.fixture
def template_ids(app):
    configured = app.config["WECHAT_TEMPLATES"]
    return configured["request_offered"], configured["request_accepted"]


def _grants() -> dict:
    db.session.expire_all()
    return {
        (grant.user_id, grant.template_id): grant
        for grant in db.session.execute(select(NotificationGrant)).scalars()
    }


def test_a_first_grant_of_a_template_allows_one_message(make, app):
    resident = make.resident()
    template_id = app.config["WECHAT_TEMPLATES"]["request_offered"]
    add_grants(resident, [template_id])
    db.session.commit()
    grant = db.session.execute(select(NotificationGrant)).scalar_one()
    assert (grant.user_id, grant.template_id, grant.remaining) == (resident.id, template_id, 1)


def test_another_grant_adds_to_that_persons_template_only(make, template_ids, monkeypatch):
    offered, accepted = template_ids
    alice, bob = make.resident(), make.resident()
    add_grants(alice, [offered, accepted])
    add_grants(bob, [offered])
    db.session.commit()
    monkeypatch.setattr("services.notifications.utcnow", lambda: LATER)
    answered = add_grants(alice, [offered])
    db.session.commit()
    assert [(grant.user_id, grant.template_id, grant.remaining) for grant in answered] == [(alice.id, offered, 2)]
    grants = _grants()
    assert {key: grant.remaining for key, grant in grants.items()} == {
        (alice.id, offered): 2, (alice.id, accepted): 1, (bob.id, offered): 1,
    }
    assert grants[(alice.id, offered)].updated_at == LATER
    assert grants[(alice.id, accepted)].updated_at != LATER


def test_the_answer_lists_the_callers_grants_of_the_templates_asked_for_by_template_id(
    client, make, template_ids
):
    offered = template_ids[0]
    first, second = sorted(template_ids)
    alice, bob, carol = make.resident(), make.resident(), make.resident()
    # The later template id is granted first, so its row comes first in the table.
    add_grants(alice, [second])
    add_grants(bob, [first, second])
    db.session.commit()
    response = client.post(
        "/api/v1/notifications/grants", json={"template_ids": [second, first]}, headers=make.headers(alice)
    )
    assert response.status_code == 200
    assert body(response)["items"] == [
        {"template_id": first, "remaining": 1}, {"template_id": second, "remaining": 2},
    ]
    only_one = client.post(
        "/api/v1/notifications/grants", json={"template_ids": [offered]}, headers=make.headers(carol)
    )
    assert body(only_one)["items"] == [{"template_id": offered, "remaining": 1}]


def test_the_grants_are_answered_in_template_id_order_whatever_the_tables_order(make, template_ids):
    first, second = sorted(template_ids)
    resident = make.resident()
    add_grants(resident, [second])
    db.session.commit()
    with unordered_rows_reversed():
        answered = add_grants(resident, [second, first])
    assert [(grant.template_id, grant.remaining) for grant in answered] == [(first, 1), (second, 2)]


def test_unknown_template_ids_are_refused_by_name_and_nothing_is_recorded(make, template_ids):
    resident = make.resident()
    with pytest.raises(Invalid) as refused:
        add_grants(resident, [template_ids[0], "tpl-nope", "tpl-gone"])
    assert (refused.value.code, refused.value.message, refused.value.fields) == (
        "unknown_template", "未知的订阅消息模板", {"template_ids": ["tpl-nope", "tpl-gone"]}
    )
    assert _grants() == {}


def test_a_grant_row_created_between_the_increment_and_the_insert_is_added_to(make, template_ids):
    """Another request creates the person's row for the template right after this one found none to
    increment: the insert then collides with the unique key, and this grant is added to that row."""
    resident = make.resident()
    template_id = template_ids[0]
    session = db.session()
    fired = []

    def concurrent_first_grant(orm_execute_state):
        if orm_execute_state.is_update and not fired:
            fired.append(True)
            result = orm_execute_state.invoke_statement()
            # Outside this grant's savepoint, as a row committed by another request would be.
            session.connection().execute(
                insert(NotificationGrant).values(user_id=resident.id, template_id=template_id, remaining=1)
            )
            return result
        return None

    event.listen(session, "do_orm_execute", concurrent_first_grant)
    try:
        add_grants(resident, [template_id])
    finally:
        event.remove(session, "do_orm_execute", concurrent_first_grant)
    db.session.commit()
    assert fired
    assert {key: grant.remaining for key, grant in _grants().items()} == {(resident.id, template_id): 2}
