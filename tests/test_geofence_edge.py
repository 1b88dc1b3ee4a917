"""The geofence's edge: a check-in just outside the station's radius is refused, just inside accepted.

The station (fixtures.members.StationFactory) has a 100 m radius; the positions lie 90 m and
110 m from it, due north and due east (east also tests the longitude's cosine scaling).
"""
import math

import pytest

from services.stations import EARTH_RADIUS_M, haversine_m, qr_token
from tests.conftest import body
from tests.fixtures.members import CENTRE

RADIUS_M = 100


def _offset(metres: float, bearing: str) -> tuple[float, float]:
    """The position `metres` from CENTRE due north or due east."""
    degrees = math.degrees(metres / EARTH_RADIUS_M)
    if bearing == "north":
        return CENTRE[0] + degrees, CENTRE[1]
    return CENTRE[0], CENTRE[1] + degrees / math.cos(math.radians(CENTRE[0]))


@pytest.fixture
def fence(make, make_station):
    units = make.tree()
    station = make_station(units["community_a"], radius_m=RADIUS_M)
    member = make.member(units["community_a"], units["building_a1"])
    return station, make.headers(member)


def _check_in_at(client, fence, position):
    station, headers = fence
    payload = {"station_id": station.id, "qr_token": qr_token(station).token, "lat": position[0], "lng": position[1]}
    return client.post("/api/v1/checkins", json=payload, headers=headers)


@pytest.mark.parametrize("bearing", ["north", "east"])
def test_position_10_percent_outside_the_radius_is_refused(client, fence, bearing):
    position = _offset(1.1 * RADIUS_M, bearing)
    assert haversine_m(*position, *CENTRE) == pytest.approx(110, abs=0.5)
    response = _check_in_at(client, fence, position)
    assert response.status_code == 422
    assert body(response)["error"]["code"] == "outside_radius"


@pytest.mark.parametrize("bearing", ["north", "east"])
def test_position_10_percent_inside_the_radius_is_accepted(client, fence, bearing):
    position = _offset(0.9 * RADIUS_M, bearing)
    response = _check_in_at(client, fence, position)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert body(response)["distance_m"] == pytest.approx(90, abs=0.5)
