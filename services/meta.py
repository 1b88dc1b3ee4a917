"""Display names (Chinese) of every status, kind and event the API returns, read from their one home each."""
from config import NOTIFICATION_EVENTS
from models.audit import AUDIT_KIND_NAMES
from models.categories import SERVICE_MODEL_NAMES
from models.checkins import CHECKIN_FLAG_NAMES, CHECKIN_STATUS_NAMES
from models.contacts import MESSAGE_KIND_NAMES
from models.ledger import CORRECTION_STATUS_NAMES, HOUR_SOURCE_NAMES, HOUR_STATUS_NAMES
from models.members import REGISTRATION_STATUS_NAMES
from models.notifications import DELIVERY_STATUS_NAMES
from models.orgs import ORG_KIND_NAMES, STAFF_ROLE_NAMES
from models.requests import OFFER_STATUS_NAMES, STATUS_NAMES, URGENCY_NAMES
from models.evaluation import ASSESSMENT_KIND_NAMES, MEDIA_KIND_NAMES, ROUND_STATUS_NAMES, SECTOR_NAMES
from models.stations import ACQUISITION_NAMES, FUNDING_NAMES, STATION_KIND_NAMES
from models.users import TOKEN_KIND_NAMES
from services.requests import ACTION_NAMES
from services.stations import CHECKLIST_ITEM_NAMES, WEEKDAY_NAMES

# vocabulary → {value: 中文名}; the keys are part of the API (GET /api/v1/meta).
VOCABULARIES = {
    "request_status": STATUS_NAMES,
    "request_action": ACTION_NAMES,
    "offer_status": OFFER_STATUS_NAMES,
    "urgency": URGENCY_NAMES,
    "service_model": SERVICE_MODEL_NAMES,
    "org_kind": ORG_KIND_NAMES,
    "staff_role": STAFF_ROLE_NAMES,
    "station_kind": STATION_KIND_NAMES,
    "acquisition": ACQUISITION_NAMES,
    "checklist_item": CHECKLIST_ITEM_NAMES,
    "weekday": WEEKDAY_NAMES,
    "checkin_status": CHECKIN_STATUS_NAMES,
    "checkin_flag": CHECKIN_FLAG_NAMES,
    "registration_status": REGISTRATION_STATUS_NAMES,
    "hours_status": HOUR_STATUS_NAMES,
    "hour_source": HOUR_SOURCE_NAMES,
    "correction_status": CORRECTION_STATUS_NAMES,
    "contact_message_kind": MESSAGE_KIND_NAMES,
    "notification_event": {event: title for event, (title, _phrase) in NOTIFICATION_EVENTS.items()},
    "delivery_status": DELIVERY_STATUS_NAMES,
    "token_kind": TOKEN_KIND_NAMES,
    "audit_kind": AUDIT_KIND_NAMES,
    "evaluation_round_status": ROUND_STATUS_NAMES,
    "evaluation_sector": SECTOR_NAMES,
    "evaluation_assessment_kind": ASSESSMENT_KIND_NAMES,
    "evaluation_media_kind": MEDIA_KIND_NAMES,
    "station_funding": FUNDING_NAMES,
}


def display_names() -> dict[str, dict[str, str]]:
    return VOCABULARIES
