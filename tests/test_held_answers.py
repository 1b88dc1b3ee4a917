"""A text held by WeChat's content check is shown only to its author, in every answer that carries it.

One mechanism: every answer schema with a text field is a HeldAwareSchema, whose every value is read
through services.moderation.shown. The walk below fails for an answer schema that is not (or that reads
text where the filter cannot see it); the end-to-end tests show each kind of answer hiding a held text:
a column of the answered row, a column along a path (`visitor.name`), a copy through a property
(`resident_name`), a copy in a dict a service built, and a list (one query per table, not per row).
"""
import marshmallow as ma
from apispec.ext.marshmallow import MarshmallowPlugin

from extensions import api, db
from schemas.common import HeldAwareSchema
from services.moderation import HELD_TEXT
from tests.conftest import body, executed_statements
from tests.test_activities import _payload
from tests.test_care import assign, new_target
from tests.test_evaluation import open_round
from tests.test_ledger import _ask, _checked_out_entry, _queue
from tests.test_requests import submit
from wx.sandbox import SANDBOX_REVIEW_WORD

# Answer schemas with text fields that are not read through the held-text filter, each with its reason.
NOT_HELD_ANSWERS = {
    "ErrorBody": "the server's own words about a request",
    "ModerationHold": "the desk's review queue: held texts shown to the staff who decide on them",
    "AuditEntry": "the audit trail shows what was written and by whom, to the administrators who audit it",
    "Meta": "the code's own vocabularies",
    "PersonalData": "the caller's own data (their export)",
    "Qr": "a token and a payload made by the server",
    "ActivityQr": "a token and a payload made by the server",
    "Codes": "ballot codes made by the server",
    "DeskLoginResult": "a token made by the server (the user inside is a User)",
    "WxLoginResult": "a token made by the server (the user inside is a User)",
    "PhoneResult": "a masked phone number bound through WeChat",
    "Grant": "a configured WeChat template id",
    "Template": "configured WeChat template ids and titles",
    "OutboxItem": "the delivery state of a message: event, status, WeChat's error, template id",
    "Availability": "times of day",
    "Span": "times of day",
    "Hours": "the configured points rule",
    "FundStatement": "a month",
    "Evidence": "a file's content type",
    "UnitHourEntry": "an hour entry's source and status",
    "Flag": "a check-in flag's code",
    "CreditedEntry": "a status",
    "Confirmed": "a status",
    "Results": "a status",
    "Post": "a leadership post of the code's list",
}
# Fields the filter does not read (a dict, a function of the object) that carry no person's text.
NOT_TEXT_FIELDS = {
    ("AnnualReport", "figures"): "numbers the report computes",
    ("AnnualReportDetail", "figures"): "numbers the report computes",
    ("AnnualReportDetail", "figure_rows"): "the computed figures with their fixed labels",
    ("RecordActivities", "activities_by_level"): "counts by level",
    ("DashboardToday", "requests_by_status"): "counts by status",
    ("RecordRequests", "by_status"): "counts by status",
    ("Notification", "data"): "ids and times for the mini-program page the notification opens",
    ("Notification", "read"): "a flag",
    ("Station", "checklist_total"): "a count",
    ("Station", "is_open"): "a flag",
}


def _openapi(client) -> dict:
    return body(client.get("/api/v1/openapi.json"))


def _answer_components(spec) -> set[str]:
    """Every schema component an operation's answer reaches, through nesting."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                _, _, section, name = node["$ref"].split("/")
                if section != "schemas":
                    walk(spec["components"][section][name])
                elif name not in found:
                    found.add(name)
                    walk(spec["components"]["schemas"][name])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                walk(operation.get("responses", {}))
    return found


def _schema_classes() -> dict[str, type[ma.Schema]]:
    plugin = next(plugin for plugin in api.spec.plugins if isinstance(plugin, MarshmallowPlugin))
    return {name: key.clazz if hasattr(key, "clazz") else key[0] for key, name in plugin.converter.refs.items()}


def _unfiltered_or_text(prop) -> str | None:
    """Why a property of an answer needs the filter: `text`, or `unfiltered` (a dict or a function,
    whose values the filter never sees); None for numbers, flags, times, vocabularies and nesting."""
    target = prop.get("items", prop) if prop.get("type") == "array" else prop
    nested = "$ref" in target or any("$ref" in str(target.get(key)) for key in ("allOf", "anyOf", "oneOf"))
    if nested or "enum" in target or prop.get("writeOnly"):
        return None
    if target.get("type") in ("integer", "number", "boolean") or target.get("format") in ("date", "date-time"):
        return None
    if target.get("type") == "string":
        return "text"
    return "unfiltered"


def test_every_answer_with_a_text_field_reads_it_through_the_held_text_filter(client):
    spec = _openapi(client)
    classes = _schema_classes()
    unfiltered_schemas, unfiltered_fields = set(), set()
    for component in _answer_components(spec):
        if component in NOT_HELD_ANSWERS:
            continue
        schema_class = classes[component]
        for name, prop in spec["components"]["schemas"][component].get("properties", {}).items():
            need = _unfiltered_or_text(prop)
            field = schema_class._declared_fields[name]
            field = field.inner if isinstance(field, ma.fields.List) else field
            if isinstance(field, ma.fields.Function | ma.fields.Method) or need == "unfiltered":
                unfiltered_fields.add((component, name))
            elif need == "text" and not issubclass(schema_class, HeldAwareSchema):
                unfiltered_schemas.add(component)
    assert unfiltered_schemas == set(), "derive each from HeldAwareSchema, or give a reason in NOT_HELD_ANSWERS"
    assert unfiltered_fields - set(NOT_TEXT_FIELDS) == set(), (
        "read text by attribute (attribute='station.name'), not by a function; or give a reason in NOT_TEXT_FIELDS"
    )
    listed = {component for component, _name in NOT_TEXT_FIELDS} | set(NOT_HELD_ANSWERS)
    assert listed - _answer_components(spec) == set(), "the lists name answers that are gone"


# --------------------------------------------------------------------------- end to end

HELD_NAME = f"党员{SANDBOX_REVIEW_WORD}"


def _rename(client, make, user, name) -> dict:
    """The user renames themselves in the mini-program; WeChat asks a person to look at the name."""
    renamed = client.patch("/api/v1/me", json={"name": name}, headers=make.headers(user))
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    return body(renamed)


def _get(client, make, user, path) -> dict:
    answer = client.get(path, headers=make.headers(user))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return body(answer)


def _release_all(client, make, staff):
    for hold in _get(client, make, staff, "/api/v1/moderation?status=review")["items"]:
        released = client.post(f"/api/v1/moderation/{hold['id']}/release", headers=make.headers(staff))
        assert released.status_code == 200


def test_a_held_name_in_a_list_a_service_built_reads_as_held_to_others_and_in_full_to_its_author(
    client, make, contact_scene, wx
):
    """A copy in a dict (a contact card), and the row itself nested in another answer (a registration's user)."""
    assert _rename(client, make, contact_scene.member, HELD_NAME)["name"] == HELD_NAME
    assert _get(client, make, contact_scene.member, "/api/v1/me")["name"] == HELD_NAME
    code, _openid = wx.mint_code(openid=contact_scene.member.openid)
    signed_in = client.post("/api/v1/auth/wx-login", json={"code": code})
    assert body(signed_in)["user"]["name"] == HELD_NAME

    cards = _get(client, make, contact_scene.resident, "/api/v1/contacts")["items"]
    assert [card["name"] for card in cards] == [HELD_TEXT]
    # Staff see it held as well, outside the desk's review queue.
    registrations = _get(client, make, contact_scene.staff, "/api/v1/members/registrations")["items"]
    names = {item["user"]["id"]: item["user"]["name"] for item in registrations}
    assert names[contact_scene.member.id] == HELD_TEXT
    assert names[contact_scene.other_member.id] == "党员乙"

    _release_all(client, make, contact_scene.staff)
    cards = _get(client, make, contact_scene.resident, "/api/v1/contacts")["items"]
    assert [card["name"] for card in cards] == [HELD_NAME]


def test_a_held_name_read_through_a_property_is_held_in_the_detail_and_the_list(client, make, scene, wx):
    """`resident_name` is the request's property reading its resident's name: a copy, hidden by its value."""
    created = submit(client, make, scene)
    _rename(client, make, scene["resident"], HELD_NAME)
    detail = f"/api/v1/requests/{created['id']}"
    assert _get(client, make, scene["staff"], detail)["resident_name"] == HELD_TEXT
    assert [item["resident_name"] for item in _get(client, make, scene["staff"], "/api/v1/requests")["items"]] == [
        HELD_TEXT
    ]
    seen_by_resident = _get(client, make, scene["resident"], detail)
    assert (seen_by_resident["resident_name"], seen_by_resident["title"]) == (HELD_NAME, "水龙头漏水")


def test_a_held_name_read_along_a_path_is_held_for_staff(client, make, wx):
    """`visitor_name` is read as `visitor.name`: the visitor's own row decides."""
    units = make.tree()
    care_scene = {"units": units, "staff": make.staff(units["community_a"], role="secretary")}
    visitor = make.member(units["community_a"], units["building_a1"], name="党员甲")
    target = new_target(client, make, care_scene)
    assign(client, make, care_scene, target["id"], visitor)
    _rename(client, make, visitor, HELD_NAME)
    (plan,) = _get(client, make, care_scene["staff"], "/api/v1/visit-plans")["items"]
    assert plan["visitor_name"] == HELD_TEXT
    (own,) = _get(client, make, visitor, "/api/v1/visit-plans?mine=1")["items"]
    assert own["visitor_name"] == HELD_NAME


def test_a_held_report_text_is_held_for_the_rounds_staff_and_shown_to_its_writer(client, make, wx):
    """Evaluation report text: a column of the answered row, in a detail's list of subjects."""
    units = make.tree()
    street = make.staff(units["street"], role="secretary")
    evaluation = open_round(client, {"units": units, "street": make.headers(street)})
    subject = evaluation["subjects"][0]
    # A community secretary who also uses the mini-program has an openid: their text is checked.
    writer = make.staff(units["community_a"], role="secretary", openid="o-secretary")
    report = f"一年来，社区党总支……{SANDBOX_REVIEW_WORD}"
    written = client.put(f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/report",
                         json={"report_text": report}, headers=make.headers(writer))
    assert written.status_code == 200, written.get_data(as_text=True)
    assert body(written)["report_text"] == report

    def seen_by_the_round():
        detail = _get(client, make, street, f"/api/v1/evaluations/{evaluation['id']}")
        return {item["id"]: item["report_text"] for item in detail["subjects"]}[subject["id"]]

    assert seen_by_the_round() == HELD_TEXT
    display = _get(client, make, street, f"/api/v1/evaluations/{evaluation['id']}/subjects/{subject['id']}/display")
    assert display["subject"]["report_text"] == HELD_TEXT
    _release_all(client, make, street)
    assert seen_by_the_round() == report


def test_held_rows_in_a_list_are_hidden_with_the_same_queries_however_many_rows_it_holds(client, make, wx):
    """Activity titles of a secretary with an openid: held ones read as held to residents and other staff;
    the holds are read once per table, never once per row."""
    units = make.tree()
    writer = make.staff(units["community_a"], role="secretary", openid="o-secretary")
    colleague = make.staff(units["community_a"])
    resident = make.resident(units["community_a"], units["building_a1"])
    held_title = f"广场舞展演{SANDBOX_REVIEW_WORD}"

    def publish(title):
        published = client.post("/api/v1/activities", json=_payload(units["community_a"], title=title),
                                headers=make.headers(writer))
        assert published.status_code == 201, published.get_data(as_text=True)

    def titles_and_queries(user):
        headers = make.headers(user)
        with executed_statements() as statements:
            page = body(client.get("/api/v1/activities?per_page=100", headers=headers))
        db.session.expire_all()
        return sorted(item["title"] for item in page["items"]), len(statements)

    publish(held_title)
    publish("重阳敬老")
    titles, queries = titles_and_queries(resident)
    assert titles == sorted([HELD_TEXT, "重阳敬老"])
    for title in (held_title, "植树", held_title + "二"):
        publish(title)
    titles, more_queries = titles_and_queries(resident)
    assert titles == sorted([HELD_TEXT] * 3 + ["重阳敬老", "植树"])
    assert more_queries == queries
    assert titles_and_queries(colleague)[0] == titles
    assert titles_and_queries(writer)[0] == sorted([held_title, held_title, held_title + "二", "重阳敬老", "植树"])


def test_a_held_station_name_is_held_where_a_query_computes_a_copy_of_it(client, make, make_station, scene, wx):
    """A correction's `station_name` is a query expression: a copy, hidden by its value; a check-in's
    `station_name` is read along `station.name`."""
    community = scene["units"]["community_a"]
    station = make_station(community, name="社区A党群服务站")
    member = scene["members"][1]
    entry = _checked_out_entry(client, make, member, station, 50)
    _ask(client, make, member, entry.id)
    writer = make.staff(community, role="secretary", openid="o-secretary")
    held_name = f"党群服务站{SANDBOX_REVIEW_WORD}"
    renamed = client.patch(f"/api/v1/stations/{station.id}", json={"name": held_name}, headers=make.headers(writer))
    assert renamed.status_code == 200, renamed.get_data(as_text=True)
    assert body(renamed)["name"] == held_name

    assert [row["station_name"] for row in _queue(client, make, scene["staff"])] == [HELD_TEXT]
    assert [row["station_name"] for row in _get(client, make, scene["staff"], "/api/v1/checkins")["items"]] == [
        HELD_TEXT
    ]
    assert [row["station_name"] for row in _queue(client, make, writer)] == [held_name]
