"""Twenty members press accept at the same moment against a running server: one wins."""
from concurrent.futures import ThreadPoolExecutor

import requests as http
from sqlalchemy import func, select

from extensions import db
from models.requests import RequestHistory, RequestOffer, ServiceRequest

CLIENTS = 20


def test_exactly_one_of_twenty_concurrent_accepts_wins(live_server, make, category, app, monkeypatch):
    units = make.tree()
    resident = make.resident(units["community_a"], units["building_a1"])
    members = [make.member(units["community_a"], skills=("维修",)) for _ in range(CLIENTS)]
    headers = [make.headers(member) for member in members]
    monkeypatch.setitem(app.config, "MATCH_OFFER_SIZE", CLIENTS)
    created = http.post(
        f"{live_server}/api/v1/requests",
        json={"category_id": category.id, "title": "门锁坏了"},
        headers=make.headers(resident),
        timeout=30,
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert created.json()["status"] == "offered"

    def press(header):
        return http.post(f"{live_server}/api/v1/requests/{request_id}/accept", headers=header, timeout=60)

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(press, headers))
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [200] + [409] * (CLIENTS - 1)
    assert all(a.json()["error"]["code"] == "request_taken" for a in answers if a.status_code == 409)
    winner = next(a.json()["assignee_id"] for a in answers if a.status_code == 200)
    db.session.expire_all()
    request = db.session.get(ServiceRequest, request_id)
    assert (request.status, request.assignee_id) == ("accepted", winner)
    accepts = db.session.execute(
        select(func.count()).select_from(RequestHistory).where(RequestHistory.action == "accept")
    ).scalar_one()
    assert accepts == 1
    won = db.session.execute(select(RequestOffer.member_id).where(RequestOffer.status == "accepted")).scalars().all()
    assert won == [winner]
