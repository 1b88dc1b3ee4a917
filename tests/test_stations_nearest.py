"""Distances: the station directory by distance: the database ranks pages by a flat-earth distance whose
longitude shrinks with the latitude, each page is then ordered by the exact distance (ties by id),
the great-circle distance itself, the rounding told to people, and the box a radius search
filters by first."""
import math

import pytest

from services.stations import EARTH_RADIUS_M, approximate_m, bounding_box, haversine_m
from tests.conftest import body
from tests.fixtures.members import CENTRE


def _pages(client, headers, near, per_page=1):
    """Every page of the listing near `near`, as lists of (id, distance_m)."""
    pages, page = [], 1
    while True:
        answer = client.get(f"/api/v1/stations?near={near[0]},{near[1]}&per_page={per_page}&page={page}",
                            headers=headers)
        assert answer.status_code == 200, answer.get_json()
        items = body(answer)["items"]
        if not items:
            return pages
        pages.append([(item["id"], item["distance_m"]) for item in items])
        page += 1


def test_pages_of_one_rank_stations_by_distance_with_longitude_shrunk_by_the_cosine_of_the_latitude(
        client, make, make_station):
    units = make.tree()
    lat, lng = CENTRE
    # Created in an order unlike the distances; east-west offsets count cos(36.65°) ≈ 0.80 of their degrees.
    far_east = make_station(units["community_a"], lat=lat, lng=lng + 0.02)  # ≈ 1784 m
    south = make_station(units["community_a"], lat=lat - 0.009, lng=lng)  # ≈ 1001 m
    near_north = make_station(units["community_a"], lat=lat + 0.003, lng=lng)  # ≈ 334 m
    east = make_station(units["community_a"], lat=lat, lng=lng + 0.008)  # ≈ 714 m: farther than north in degrees
    north = make_station(units["community_a"], lat=lat + 0.0075, lng=lng)  # ≈ 834 m
    pages = _pages(client, make.headers(make.resident()), CENTRE)
    expected = [near_north, east, north, south, far_east]
    assert [page[0][0] for page in pages] == [station.id for station in expected]
    assert [page[0][1] for page in pages] == [
        round(haversine_m(lat, lng, station.lat, station.lng), 1) for station in expected]
    # Tenths of a metre, not whole metres or hundredths.
    assert [page[0][1] for page in pages] == [333.6, 713.7, 834.0, 1000.8, 1784.2]


def test_within_a_page_the_exact_distance_orders_stations_the_flat_estimate_ranks_otherwise(
        client, make, make_station):
    units = make.tree()
    # Far north the flat estimate fails: 60° of longitude along the 60th parallel are 30° by the
    # estimate, but the great circle is 28.96°; the point 29.5° due north is nearer by the estimate.
    due_north = make_station(units["community_a"], lat=89.5, lng=0.0)
    along_the_parallel = make_station(units["community_a"], lat=60.0, lng=60.0)
    (page,) = _pages(client, make.headers(make.resident()), (60.0, 0.0), per_page=10)
    assert [station_id for station_id, _ in page] == [along_the_parallel.id, due_north.id]
    assert page[0][1] < page[1][1]


def test_stations_at_the_same_rounded_distance_come_by_id_whatever_the_estimate_says(client, make, make_station):
    units = make.tree()
    lat, lng = CENTRE
    degrees = 0.009
    # The east station (created first) is a hair farther by the flat estimate, the same to a tenth of a metre.
    east = make_station(units["community_a"], lat=lat,
                        lng=lng + degrees / math.cos(math.radians(lat)) * (1 + 1e-7))
    north = make_station(units["community_a"], lat=lat + degrees, lng=lng)
    assert round(haversine_m(lat, lng, east.lat, east.lng), 1) == round(haversine_m(lat, lng, north.lat, north.lng), 1)
    (page,) = _pages(client, make.headers(make.resident()), CENTRE, per_page=10)
    assert [station_id for station_id, _ in page] == [east.id, north.id]


def test_stations_at_one_spot_are_paged_by_id(client, make, make_station):
    units = make.tree()
    first = make_station(units["community_a"])
    second = make_station(units["community_a"])
    third = make_station(units["community_a"])
    pages = _pages(client, make.headers(make.resident()), CENTRE)
    assert [page[0][0] for page in pages] == [first.id, second.id, third.id]


def test_the_great_circle_distance_of_a_quarter_meridian_and_of_a_point_to_itself():
    quarter = EARTH_RADIUS_M * math.pi / 2
    assert haversine_m(0.0, 0.0, 90.0, 0.0) == pytest.approx(quarter, rel=1e-12)
    assert haversine_m(0.0, 0.0, 0.0, 90.0) == pytest.approx(quarter, rel=1e-12)
    assert haversine_m(36.0, 117.0, 36.0, 117.0) == 0.0
    # Antipodes whose rounding makes the haversine term a hair above 1: half the circumference.
    lat, lng = 36.3161193347527, -87.9115994520576
    assert haversine_m(lat, lng, -lat, lng + 180) == pytest.approx(EARTH_RADIUS_M * math.pi, rel=1e-12)


@pytest.mark.parametrize(("metres", "told"), [(0, 0), (49.9, 0), (50.1, 100), (149, 100), (151, 200), (1234.5, 1200)])
def test_a_distance_told_to_people_is_rounded_to_100_metres(metres, told):
    assert approximate_m(metres) == told
    assert type(approximate_m(metres)) is int


def _circle(lat, lng, radius_m, steps=720):
    """Points on the circle of `radius_m` around (lat, lng), by bearing."""
    angle, phi, lam = radius_m / EARTH_RADIUS_M, math.radians(lat), math.radians(lng)
    for step in range(steps):
        bearing = 2 * math.pi * step / steps
        phi2 = math.asin(math.sin(phi) * math.cos(angle) + math.cos(phi) * math.sin(angle) * math.cos(bearing))
        lam2 = lam + math.atan2(math.sin(bearing) * math.sin(angle) * math.cos(phi),
                                math.cos(angle) - math.sin(phi) * math.sin(phi2))
        yield math.degrees(phi2), math.degrees(lam2)


@pytest.mark.parametrize(("lat", "lng", "radius_m"), [
    (36.6512, 117.1201, 3000), (-33.9, 18.4, 50_000), (70.0, 20.0, 400_000), (0.0, 0.0, 1000)])
def test_the_box_is_the_smallest_holding_the_whole_circle(lat, lng, radius_m):
    south, north, west, east = bounding_box(lat, lng, radius_m)
    points = list(_circle(lat, lng, radius_m))
    for point in points:
        assert haversine_m(lat, lng, *point) == pytest.approx(radius_m, rel=1e-9)
    lats, lngs = [point[0] for point in points], [point[1] for point in points]
    # Every point of the circle lies in the box, and the box reaches no farther than the circle does.
    tolerance = 1e-9
    assert south - tolerance <= min(lats) and max(lats) <= north + tolerance
    assert west - tolerance <= min(lngs) and max(lngs) <= east + tolerance
    assert (north - max(lats), min(lats) - south) == (pytest.approx(0, abs=1e-9), pytest.approx(0, abs=1e-9))
    # The widest longitude is not on the parallel through the centre but poleward of it; 720
    # bearings come within a ten-thousandth of a degree of it.
    assert (east - max(lngs), min(lngs) - west) == (pytest.approx(0, abs=1e-4), pytest.approx(0, abs=1e-4))


def test_a_circle_reaching_the_pole_spans_every_longitude():
    # A quarter of the earth around a point of the equator reaches both poles, where every
    # longitude meets: (90, 179) is within the radius, so the box must hold it.
    radius = EARTH_RADIUS_M * math.pi / 2
    assert haversine_m(0.0, 0.0, 90.0, 179.0) <= radius
    south, north, west, east = bounding_box(0.0, 0.0, radius)
    assert (south, north) == (pytest.approx(-90.0), pytest.approx(90.0))
    assert (west, east) == (-180.0, 180.0)


@pytest.mark.parametrize("reach", [1.5, 3.0])
def test_a_circle_around_a_pole_spans_every_longitude(reach):
    radius = 10_000
    # Near the pole the circle's sine exceeds the cosine of the latitude `reach` times over.
    lat = math.degrees(math.acos(math.sin(radius / EARTH_RADIUS_M) / reach))
    south, north, west, east = bounding_box(lat, 30.0, radius)
    assert (west, east) == (-150.0, 210.0)
    assert north - lat == pytest.approx(math.degrees(radius / EARTH_RADIUS_M), rel=1e-12)
    assert lat - south == pytest.approx(math.degrees(radius / EARTH_RADIUS_M), rel=1e-12)


def test_the_box_around_the_pole_itself_spans_every_longitude():
    assert bounding_box(90.0, 0.0, 1000)[2:] == (-180.0, 180.0)
    assert bounding_box(-90.0, 10.0, 1000)[2:] == (-170.0, 190.0)
