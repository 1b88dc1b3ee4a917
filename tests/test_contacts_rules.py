"""楼院联系: who serves whom, what the cards, lists and notifications say, in detail."""
from tests.conftest import body


def test_a_member_living_in_the_building_they_serve_is_not_their_own_contact(client, contact_scene):
    listed = body(client.get("/api/v1/contacts", headers=contact_scene.headers["member"]))
    assert [card["member_id"] for card in listed["items"]] == [contact_scene.other_member.id]
