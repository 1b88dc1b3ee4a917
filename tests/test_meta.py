"""GET /api/v1/meta: the display name of every value the API returns, from one place."""
import re
from pathlib import Path

from sqlalchemy import Enum

from config import NOTIFICATION_EVENTS
from extensions import db
from models.stations import CHECKLIST_ITEMS, WEEKDAYS
from services.meta import VOCABULARIES
from services.requests import TRANSITIONS
from tests.conftest import body

# Enum columns whose vocabulary in the answer is named differently from the column's type.
VOCABULARY_OF_ENUM = {"request_urgency": "urgency", "station_acquisition": "acquisition", "hour_status": "hours_status",
                     "station_checklist_item": "checklist_item"}


def _meta(client) -> dict:
    response = client.get("/api/v1/meta")
    assert response.status_code == 200
    return body(response)


def test_meta_needs_no_login_and_answers_every_vocabulary(client):
    assert set(_meta(client)) == set(VOCABULARIES)


def test_every_value_a_model_column_allows_has_a_name(client, app_context):
    names = _meta(client)
    enums = {
        column.type.name: column.type.enums
        for table in db.metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, Enum)
    }
    assert enums, "no choice() columns found"
    for enum_name, values in enums.items():
        vocabulary = VOCABULARY_OF_ENUM.get(enum_name, enum_name)
        assert vocabulary in names, f"no vocabulary for {enum_name}"
        missing = set(values) - set(names[vocabulary])
        assert not missing, f"{vocabulary} lacks names for {missing}"


def test_names_cover_events_actions_checklist_weekdays_and_flags(client):
    names = _meta(client)
    assert set(names["notification_event"]) == set(NOTIFICATION_EVENTS)
    assert set(TRANSITIONS) <= set(names["request_action"])
    assert set(names["checklist_item"]) == set(CHECKLIST_ITEMS)
    assert set(names["weekday"]) == set(WEEKDAYS)
    source = (Path(__file__).parents[1] / "services" / "checkins.py").read_text(encoding="utf-8")
    raised = set(re.findall(r'"code": "(\w+)"', source))
    assert raised and raised <= set(names["checkin_flag"])


def test_every_name_is_chinese_text(client):
    for vocabulary, table in _meta(client).items():
        for value, name in table.items():
            assert re.search(r"[\u4e00-\u9fff]", name), f"{vocabulary}.{value}: {name!r}"


def test_meta_is_documented_in_openapi(client):
    spec = body(client.get("/api/v1/openapi.json"))
    assert "/api/v1/meta" in spec["paths"]
    assert set(spec["components"]["schemas"]["Meta"]["properties"]) == set(VOCABULARIES)
