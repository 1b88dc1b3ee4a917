"""A visit's photos go to WeChat's image check (mediaCheckAsync): until its verdict arrives at the
message-push endpoint a photo is shown only to the visitor who took it, never to the staff who confirm."""
import pytest
from sqlalchemy import select

from extensions import db
from models.moderation import ModerationHold
from tests.conftest import body
from tests.test_care import assign, call, new_target, visit
from tests.test_wechat_push import _signed, _verdict

PHOTOS = ["https://files.example/visit-1.jpg", "https://files.example/visit-2.jpg"]


@pytest.fixture
def care_scene(make):
    units = make.tree()
    return {
        "units": units,
        "staff": make.staff(units["community_a"], role="secretary"),
        # A member signs in through the mini-program: they have an openid, so their images are checked.
        "visitor": make.member(units["community_a"], units["building_a1"], name="党员甲"),
    }


@pytest.fixture
def visited(client, make, care_scene, wx):
    """A visit recorded with two photos by a member: the target, the visit as answered to its visitor."""
    target = new_target(client, make, care_scene)
    assign(client, make, care_scene, target["id"], care_scene["visitor"])
    recorded = visit(client, make, care_scene["visitor"], target["id"], photos=PHOTOS)
    return body(recorded)


def _staff_sees(client, make, care_scene) -> dict:
    (item,) = body(call(client, make, care_scene["staff"], "GET", "/api/v1/visits", status=200))["items"]
    return item


def _visitor_sees(client, make, care_scene) -> dict:
    (item,) = body(call(client, make, care_scene["visitor"], "GET", "/api/v1/visits?mine=1", status=200))["items"]
    return item


def _push(app, client, trace_id, suggest):
    answer = client.post("/wx/push", query_string=_signed(app), json=_verdict(trace_id, suggest))
    assert (answer.status_code, answer.get_data(as_text=True)) == (200, "success")


def _trace_ids(wx) -> dict[str, str]:
    return {check["media_url"]: check["trace_id"] for check in wx.media_checks()}


def test_each_photo_is_sent_to_wechats_image_check_with_the_visitors_openid(care_scene, visited, wx):
    checks = wx.media_checks()
    assert [(check["media_url"], check["openid"]) for check in checks] == [
        (url, care_scene["visitor"].openid) for url in PHOTOS
    ]
    assert (visited["photos"], visited["moderation"]) == (PHOTOS, "pending")


def test_a_photo_is_hidden_from_staff_until_wechat_passes_it(app, client, make, care_scene, visited, wx):
    assert _staff_sees(client, make, care_scene)["photos"] == []
    assert _visitor_sees(client, make, care_scene)["photos"] == PHOTOS

    _push(app, client, _trace_ids(wx)[PHOTOS[1]], "pass")
    assert _staff_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]
    _push(app, client, _trace_ids(wx)[PHOTOS[0]], "pass")
    assert _staff_sees(client, make, care_scene)["photos"] == PHOTOS
    # Confirming answers the visit to the staff as well: the photos now show there too.
    confirmed = call(client, make, care_scene["staff"], "POST", f"/api/v1/visits/{visited['id']}/confirm", status=200)
    assert body(confirmed)["photos"] == PHOTOS
    assert _visitor_sees(client, make, care_scene)["moderation"] is None


def test_a_risky_photo_is_gone_for_everyone_and_a_later_verdict_does_not_bring_it_back(
    app, client, make, care_scene, visited, wx
):
    traces = _trace_ids(wx)
    _push(app, client, traces[PHOTOS[0]], "risky")
    _push(app, client, traces[PHOTOS[1]], "pass")
    assert _staff_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]
    own = _visitor_sees(client, make, care_scene)
    assert (own["photos"], own["moderation"]) == ([PHOTOS[1]], "removed")

    # WeChat repeats a push it believes lost: the first verdict stands.
    _push(app, client, traces[PHOTOS[0]], "pass")
    assert _staff_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]
    statuses = db.session.execute(select(ModerationHold.content, ModerationHold.status)).all()
    assert sorted(statuses) == sorted([(PHOTOS[0], "removed"), (PHOTOS[1], "released")])


def test_a_photo_wechat_asks_a_person_to_look_at_waits_for_staff_on_the_desk(
    app, client, make, care_scene, visited, wx
):
    _push(app, client, _trace_ids(wx)[PHOTOS[0]], "review")
    _push(app, client, _trace_ids(wx)[PHOTOS[1]], "pass")
    assert _staff_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]
    queue = body(call(client, make, care_scene["staff"], "GET", "/api/v1/moderation?status=review", status=200))
    (held,) = queue["items"]
    assert (held["content"], held["table_name"], held["column_name"]) == (PHOTOS[0], "visit_records", "photos#0")
    call(client, make, care_scene["staff"], "POST", f"/api/v1/moderation/{held['id']}/release", status=200)
    assert _staff_sees(client, make, care_scene)["photos"] == PHOTOS


def test_when_wechat_cannot_be_reached_the_photos_wait_for_staff_and_are_not_shown(client, make, care_scene, wx):
    target = new_target(client, make, care_scene)
    assign(client, make, care_scene, target["id"], care_scene["visitor"])
    wx.fault("wxa/media_check_async", "http500")
    recorded = body(visit(client, make, care_scene["visitor"], target["id"], photos=PHOTOS))
    assert (recorded["photos"], recorded["moderation"]) == (PHOTOS, "review")
    # After the first failure the other photo is not sent: it waits for staff like the first.
    assert wx.media_checks() == []
    holds = db.session.execute(select(ModerationHold.column_name, ModerationHold.status, ModerationHold.reason)).all()
    assert sorted(holds) == [("photos#0", "review", "unreachable"), ("photos#1", "review", "unreachable")]
    assert _staff_sees(client, make, care_scene)["photos"] == []

    queue = body(call(client, make, care_scene["staff"], "GET", "/api/v1/moderation?status=review", status=200))
    by_photo = {item["content"]: item["id"] for item in queue["items"]}
    call(client, make, care_scene["staff"], "POST", f"/api/v1/moderation/{by_photo[PHOTOS[0]]}/remove", status=200)
    call(client, make, care_scene["staff"], "POST", f"/api/v1/moderation/{by_photo[PHOTOS[1]]}/release", status=200)
    assert _staff_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]
    assert _visitor_sees(client, make, care_scene)["photos"] == [PHOTOS[1]]


def test_photos_of_staff_who_have_no_openid_are_not_sent_and_are_shown_at_once(client, make, care_scene, wx):
    target = new_target(client, make, care_scene)
    colleague = make.staff(care_scene["units"]["community_a"])
    assign(client, make, care_scene, target["id"], colleague)
    recorded = body(visit(client, make, colleague, target["id"], photos=PHOTOS))
    assert recorded["moderation"] is None
    assert wx.media_checks() == []
    assert _staff_sees(client, make, care_scene)["photos"] == PHOTOS
