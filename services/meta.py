"""Display names (Chinese) of every status, kind and event the API returns, read from their one home each."""
from config import NOTIFICATION_EVENTS
from models.activities import ACTIVITY_LEVEL_NAMES, SIGNUP_ROLE_NAMES, SIGNUP_STATUS_NAMES
from models.audit import AUDIT_KIND_NAMES
from models.care import CARE_KIND_NAMES, VISIT_STATUS_NAMES
from models.categories import SERVICE_MODEL_NAMES
from models.checkins import CHECKIN_FLAG_NAMES, CHECKIN_STATUS_NAMES
from models.contacts import MESSAGE_KIND_NAMES, REPORT_STATUS_NAMES
from models.coordination import (
    ANNUAL_REPORT_STATUS_NAMES,
    BODY_KIND_NAMES,
    LEADERSHIP_POST_NAMES,
    MASS_ORG_KIND_NAMES,
    PROJECT_STATUS_NAMES,
    RESOLUTION_STATUS_NAMES,
    RESOURCE_KIND_NAMES,
    UNIT_KIND_NAMES,
)
from models.evaluation import ASSESSMENT_KIND_NAMES, MEDIA_KIND_NAMES, ROUND_STATUS_NAMES, SECTOR_NAMES
from models.funds import DISBURSEMENT_STATUS_NAMES, DONOR_KIND_NAMES, FUND_ENTRY_KIND_NAMES, FUND_KIND_NAMES
from models.ledger import CORRECTION_STATUS_NAMES, HOUR_SOURCE_NAMES, HOUR_STATUS_NAMES
from models.members import REGISTRATION_STATUS_NAMES
from models.moderation import HOLD_REASON_NAMES, MODERATION_STATUS_NAMES
from models.notifications import DELIVERY_STATUS_NAMES
from models.offers import OFFER_PROVIDER_KIND_NAMES, SOCIAL_OFFER_KIND_NAMES, SOCIAL_OFFER_STATUS_NAMES
from models.orgs import ORG_KIND_NAMES, STAFF_ROLE_NAMES
from models.providers import PROVIDER_KIND_NAMES
from models.requests import OFFER_STATUS_NAMES, STATUS_NAMES, URGENCY_NAMES
from models.stations import ACQUISITION_NAMES, CHECKLIST_ITEM_NAMES, FUNDING_NAMES, STATION_KIND_NAMES, WEEKDAY_NAMES
from models.users import TOKEN_KIND_NAMES
from services.requests import ACTION_NAMES

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
    "contact_report_status": REPORT_STATUS_NAMES,
    "unit_kind": UNIT_KIND_NAMES,
    "body_kind": BODY_KIND_NAMES,
    "resolution_status": RESOLUTION_STATUS_NAMES,
    "leadership_post": LEADERSHIP_POST_NAMES,
    "report_status": ANNUAL_REPORT_STATUS_NAMES,
    "fund_kind": FUND_KIND_NAMES,
    "donor_kind": DONOR_KIND_NAMES,
    "fund_entry_kind": FUND_ENTRY_KIND_NAMES,
    "disbursement_status": DISBURSEMENT_STATUS_NAMES,
    "care_kind": CARE_KIND_NAMES,
    "visit_status": VISIT_STATUS_NAMES,
    "activity_level": ACTIVITY_LEVEL_NAMES,
    "signup_status": SIGNUP_STATUS_NAMES,
    "signup_role": SIGNUP_ROLE_NAMES,
    "offer_provider_kind": OFFER_PROVIDER_KIND_NAMES,
    "social_offer_kind": SOCIAL_OFFER_KIND_NAMES,
    "social_offer_status": SOCIAL_OFFER_STATUS_NAMES,
    "provider_kind": PROVIDER_KIND_NAMES,
    "evaluation_round_status": ROUND_STATUS_NAMES,
    "evaluation_sector": SECTOR_NAMES,
    "evaluation_assessment_kind": ASSESSMENT_KIND_NAMES,
    "evaluation_media_kind": MEDIA_KIND_NAMES,
    "station_funding": FUNDING_NAMES,
    "resource_kind": RESOURCE_KIND_NAMES,
    "project_status": PROJECT_STATUS_NAMES,
    "mass_org_kind": MASS_ORG_KIND_NAMES,
    "moderation_status": MODERATION_STATUS_NAMES,
    "hold_reason": HOLD_REASON_NAMES,
}


def display_names() -> dict[str, dict[str, str]]:
    return VOCABULARIES
