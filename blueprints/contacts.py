"""楼院联系: staff assign contact members to buildings; residents and members talk in threads."""
from flask import current_app, request
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user, idempotent, page_response
from extensions import db, limiter
from schemas.common import PageArgsSchema
from schemas.contacts import (
    BuildingContactArgsSchema,
    ContactMessageArgsSchema,
    ContactMessagePageSchema,
    ContactMessageSchema,
    ContactPageSchema,
    ContactReportArgsSchema,
    ContactReportListArgsSchema,
    ContactReportPageSchema,
    ContactReportResolveSchema,
    ContactReportSchema,
    ContactSchema,
    ContactServedSchema,
    ContactThreadPageSchema,
    ContactThreadSchema,
    ThreadReadResultSchema,
)
from schemas.users import HomeConfirmationSchema
from services import contacts, users

blp = Blueprint("contacts", __name__, description="楼院联系与留言")


def _per_user() -> str:
    """Limits count per person, not per address: many residents share one carrier NAT."""
    return f"user:{current_user().id}"


def _messages_per_minute() -> str:
    return f"{current_app.config['CONTACT_MESSAGES_PER_MINUTE']} per minute"


def _threads_per_day() -> str:
    return f"{current_app.config['CONTACT_THREADS_PER_DAY']} per day"


def _continues_thread() -> bool:
    """Only a message that opens a new thread counts against the daily thread limit."""
    return contacts.find_thread(current_user(), request.view_args["member_id"]) is not None


# One budget for everything a person writes, whichever endpoint carries it.
messages_limit = limiter.shared_limit(_messages_per_minute, scope="contact-messages", key_func=_per_user)
threads_limit = limiter.limit(_threads_per_day, key_func=_per_user, exempt_when=_continues_thread)


@blp.route("/buildings/<id:building_id>/contacts", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ContactPageSchema)
def building_contacts(args, building_id):
    """楼院联系党员: the members serving a building (staff in scope)."""
    page = page_response(contacts.building_contacts_statement(current_user(), building_id), args)
    page["items"] = contacts.contact_cards(page["items"])
    return page


@blp.route("/buildings/<id:building_id>/contacts", methods=["POST"])
@auth_required
@blp.arguments(BuildingContactArgsSchema)
@blp.response(201, ContactSchema)
def add_building_contact(args, building_id):
    """指定楼院联系党员: an approved member of the community now serves the building."""
    registration = contacts.add_contact(current_user(), building_id, args["member_id"])
    db.session.commit()
    return contacts.contact_cards([registration])[0]


@blp.route("/buildings/<id:building_id>/contacts/<id:member_id>", methods=["DELETE"])
@auth_required
@blp.response(204)
def remove_building_contact(building_id, member_id):
    """取消楼院联系党员: overrides the building the member registered with, too."""
    contacts.remove_contact(current_user(), building_id, member_id)
    db.session.commit()


@blp.route("/contacts", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ContactPageSchema)
def my_contacts(args):
    """我的联系党员: who serves the caller's building, or their community when the building has none."""
    page = page_response(contacts.contacts_statement(current_user()), args)
    page["items"] = contacts.contact_cards(page["items"])
    return page


@blp.route("/contacts/served", methods=["GET"])
@auth_required
@blp.response(200, ContactServedSchema)
def served():
    """我联系的楼院: the buildings a member serves and their residents."""
    return contacts.served(current_user())


@blp.route("/residents/<id:user_id>/confirm-home", methods=["POST"])
@auth_required
@blp.response(200, HomeConfirmationSchema)
def confirm_home(user_id):
    """确认住址: staff of the person's community confirm where they live, which opens their contact list.

    A home set through PATCH /me stays unconfirmed until then; an approved registration confirms it too.
    """
    person = users.confirm_home(current_user(), user_id)
    db.session.commit()
    return person


@blp.route("/contacts/reports", methods=["GET"])
@auth_required
@blp.arguments(ContactReportListArgsSchema, location="query")
@blp.response(200, ContactReportPageSchema)
def reports(args):
    """举报列表: reported messages in the staff member's scope; `status` picks one status,
    without it every report is listed, open ones first, newest first within each."""
    page = page_response(contacts.reports_statement(current_user(), args.get("status")), args)
    page["items"] = contacts.report_cards(page["items"])
    return page


@blp.route("/contacts/reports/<id:report_id>/resolve", methods=["POST"])
@auth_required
@blp.arguments(ContactReportResolveSchema)
@blp.response(200, ContactReportSchema)
def resolve_report(args, report_id):
    """处理举报: staff in scope of the report's community decide it, 成立 (`upheld`) or 不成立
    (`dismissed`), with a note. A report already decided → 409 `report_handled`; another
    community's → 404. The reporter is told the outcome (never the message or the note)."""
    report = contacts.resolve_report(current_user(), report_id, args["outcome"], args["note"])
    db.session.commit()
    return contacts.report_card(report)


@blp.route("/contacts/<id:member_id>/messages", methods=["POST"])
@idempotent
@auth_required
@messages_limit
@threads_limit
@blp.arguments(ContactMessageArgsSchema)
@blp.response(201, ContactMessageSchema)
def write_to_contact(args, member_id):
    """给联系党员留言: opens or continues the thread with a member who serves the caller."""
    message = contacts.write_to_contact(current_user(), member_id, args["text"])
    db.session.commit()
    return message


@blp.route("/threads", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ContactThreadPageSchema)
def threads(args):
    """我的会话: the caller's threads, most recent first."""
    user = current_user()
    page = page_response(contacts.threads_statement(user), args)
    page["items"] = contacts.thread_cards(user, page["items"])
    return page


@blp.route("/threads/<id:thread_id>/messages", methods=["GET"])
@auth_required
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ContactMessagePageSchema)
def thread_messages(args, thread_id):
    """会话消息: newest first (the two parties only)."""
    user = current_user()
    thread = contacts.visible_thread(user, thread_id)
    return page_response(contacts.messages_statement(user, thread), args)


@blp.route("/threads/<id:thread_id>/messages", methods=["POST"])
@idempotent
@auth_required
@messages_limit
@blp.arguments(ContactMessageArgsSchema)
@blp.response(201, ContactMessageSchema)
def post_message(args, thread_id):
    """回复: either party writes in the thread."""
    user = current_user()
    message = contacts.reply(user, contacts.visible_thread(user, thread_id), args["text"])
    db.session.commit()
    return message


@blp.route("/threads/<id:thread_id>/read", methods=["POST"])
@auth_required
@blp.response(200, ThreadReadResultSchema)
def mark_read(thread_id):
    """标记已读: everything the other party sent so far."""
    user = current_user()
    marked = contacts.mark_read(user, contacts.visible_thread(user, thread_id))
    db.session.commit()
    return {"marked": marked}


@blp.route("/threads/<id:thread_id>/block", methods=["POST"])
@auth_required
@blp.response(200, ContactThreadSchema)
def block(thread_id):
    """拒收: the member stops the resident's messages (409 when already blocked)."""
    user = current_user()
    thread = contacts.set_blocked(user, contacts.visible_thread(user, thread_id), True)
    db.session.commit()
    return contacts.thread_card(user, thread)


@blp.route("/threads/<id:thread_id>/unblock", methods=["POST"])
@auth_required
@blp.response(200, ContactThreadSchema)
def unblock(thread_id):
    """恢复接收: the member accepts the resident's messages again."""
    user = current_user()
    thread = contacts.set_blocked(user, contacts.visible_thread(user, thread_id), False)
    db.session.commit()
    return contacts.thread_card(user, thread)


@blp.route("/threads/<id:thread_id>/reveal-phone", methods=["POST"])
@idempotent
@auth_required
@messages_limit
@blp.response(201, ContactMessageSchema)
def reveal_phone(thread_id):
    """公开我的电话: the member sends their own number to this resident, and it is recorded."""
    user = current_user()
    message = contacts.reveal_phone(user, contacts.visible_thread(user, thread_id))
    db.session.commit()
    return message


@blp.route("/threads/<id:thread_id>/messages/<id:message_id>/report", methods=["POST"])
@idempotent
@auth_required
@blp.arguments(ContactReportArgsSchema)
@blp.response(201, ContactReportSchema)
def report(args, thread_id, message_id):
    """举报消息: the resident reports a member's message to the community staff."""
    user = current_user()
    created = contacts.report_message(user, contacts.visible_thread(user, thread_id), message_id, args["reason"])
    db.session.commit()
    return contacts.report_card(created)
