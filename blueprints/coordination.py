"""区域化党建三级协调机制: resident units and their liaisons, the three bodies, meetings, resolutions,
terms of office (班子成员职务任期制) and the annual work report (年度工作报告制)."""
from flask_smorest import Blueprint

from blueprints.common import attachment, auth_required, current_user, page_response
from extensions import db
from schemas.common import patch_schema
from schemas.coordination import (
    AnnualReportDetailSchema,
    AnnualReportSchema,
    BodyDetailSchema,
    BodyListArgsSchema,
    BodyMemberSchema,
    BodyPageSchema,
    BodySchema,
    BranchMemberDetailSchema,
    BranchMemberPatchSchema,
    BranchMemberSchema,
    CommentAnswerSchema,
    LeadershipArgsSchema,
    LeadershipSchema,
    LiaisonSchema,
    LinkRegistrationSchema,
    MassOrganisationListSchema,
    MassOrganisationSchema,
    MeetingDetailSchema,
    MeetingPatchSchema,
    MeetingSchema,
    NeedDetailSchema,
    NeedListArgsSchema,
    NeedPageSchema,
    NeedPatchSchema,
    NeedSchema,
    OfferListArgsSchema,
    OfferPageSchema,
    OfferPatchSchema,
    OfferSchema,
    PresentSchema,
    ProjectDetailSchema,
    ProjectListArgsSchema,
    ProjectOutcomeSchema,
    ProjectPageSchema,
    ProjectSchema,
    ReportCommentSchema,
    ReportListArgsSchema,
    ReportPageSchema,
    ReportPatchSchema,
    ResolutionListArgsSchema,
    ResolutionOutcomeSchema,
    ResolutionPageSchema,
    ResolutionSchema,
    RosterArgsSchema,
    RosterSchema,
    SuggestionArgsSchema,
    SuggestionListSchema,
    TermEndSchema,
    TermListArgsSchema,
    TermPageSchema,
    TermSchema,
    UnitDetailSchema,
    UnitListArgsSchema,
    UnitMemberHoursSchema,
    UnitMemberListSchema,
    UnitPageSchema,
    UnitPatchSchema,
    UnitSchema,
)
from schemas.members import RegistrationSchema
from services import coordination
from services.spreadsheets import CONTENT_TYPE as XLSX
from services.users import mask_phone

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

blp = Blueprint("coordination", __name__, url_prefix="", description="驻区单位与区域化党建三级协调机制")


# --- resident units ----------------------------------------------------------------------------


@blp.route("/units", methods=["POST"])
@auth_required
@blp.arguments(UnitSchema)
@blp.response(201, UnitSchema)
def create_unit(args):
    """登记驻区单位: in a street within the caller's scope."""
    unit = coordination.create_unit(current_user(), args)
    db.session.commit()
    return unit


@blp.route("/units", methods=["GET"])
@auth_required
@blp.arguments(UnitListArgsSchema, location="query")
@blp.response(200, UnitPageSchema)
def list_units(args):
    """驻区单位列表: the streets in the caller's scope, and the street above it."""
    statement = coordination.unit_listing(current_user(), args.get("street_id"), args.get("kind"), args.get("name"))
    return page_response(statement, args)


def _unit_detail(unit):
    unit.liaisons = coordination.liaisons_of(unit)
    return unit


@blp.route("/units/<id:unit_id>", methods=["GET"])
@auth_required
@blp.response(200, UnitDetailSchema)
def get_unit(unit_id):
    """驻区单位详情, with its liaison accounts (its own liaisons read it too)."""
    return _unit_detail(coordination.unit_readable(current_user(), unit_id))


@blp.route("/units/<id:unit_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(UnitPatchSchema))
@blp.response(200, UnitDetailSchema)
def patch_unit(changes, unit_id):
    """修改驻区单位"""
    unit = coordination.update_unit(current_user(), unit_id, changes)
    db.session.commit()
    return _unit_detail(unit)


@blp.route("/units/<id:unit_id>/liaisons", methods=["POST"])
@auth_required
@blp.arguments(LiaisonSchema)
@blp.response(201, LiaisonSchema)
def add_liaison(args, unit_id):
    """单位联络员: a desk account that reads this unit's in-service members and nothing else
    (secretaries over the unit's street and administrators)."""
    liaison = coordination.add_liaison(current_user(), unit_id, args)
    db.session.commit()
    return liaison


@blp.route("/units/<id:unit_id>/registrations", methods=["POST"])
@auth_required
@blp.arguments(LinkRegistrationSchema)
@blp.response(200, RegistrationSchema)
def link_registration(args, unit_id):
    """关联工作单位: staff over a registration's community name its employer from the list."""
    registration = coordination.link_registration(current_user(), unit_id, args["registration_id"])
    db.session.commit()
    return registration


@blp.route("/units/<id:unit_id>/members", methods=["GET"])
@auth_required
@blp.response(200, UnitMemberListSchema)
def unit_members(unit_id):
    """本单位在职党员: registrations, hours and services, for the unit's liaisons and the street's staff."""
    return {"items": coordination.unit_members(current_user(), unit_id)}


@blp.route("/units/<id:unit_id>/members/<id:member_id>/hours", methods=["GET"])
@auth_required
@blp.response(200, UnitMemberHoursSchema)
def unit_member_hours(unit_id, member_id):
    """本单位在职党员的服务时长明细; anyone not registered with the unit is not found."""
    return coordination.unit_member_hours(current_user(), unit_id, member_id)


# --- bodies ---------------------------------------------------------------------------------------


@blp.route("/bodies", methods=["POST"])
@auth_required
@blp.arguments(BodySchema)
@blp.response(201, BodySchema)
def create_body(args):
    """设立协调机构: 指导委员会 on a district, 协调委员会 on a street, 联席会 on a community (else 422)."""
    body = coordination.create_body(current_user(), args)
    db.session.commit()
    return body


@blp.route("/bodies", methods=["GET"])
@auth_required
@blp.arguments(BodyListArgsSchema, location="query")
@blp.response(200, BodyPageSchema)
def list_bodies(args):
    """协调机构列表 (within scope)."""
    return page_response(coordination.body_listing(current_user(), args.get("kind"), args.get("org_id")), args)


@blp.route("/bodies/<id:body_id>", methods=["GET"])
@auth_required
@blp.response(200, BodyDetailSchema)
def get_body(body_id):
    """协调机构详情: member units, meetings, and resolutions past their due date."""
    detail = coordination.body_detail(current_user(), body_id)
    body = detail.pop("body")
    for name, value in detail.items():
        setattr(body, name, value)
    return body


@blp.route("/bodies/<id:body_id>/members", methods=["POST"])
@auth_required
@blp.arguments(BodyMemberSchema)
@blp.response(201, BodyMemberSchema)
def add_member(args, body_id):
    """增加成员单位, with its representative and title."""
    member = coordination.add_member(current_user(), body_id, args)
    db.session.commit()
    return member


@blp.route("/bodies/<id:body_id>/meetings", methods=["POST"])
@auth_required
@blp.arguments(MeetingSchema)
@blp.response(201, MeetingDetailSchema)
def create_meeting(args, body_id):
    """登记会议: agenda, and (now or later) the member units present and the minutes."""
    meeting = coordination.create_meeting(current_user(), body_id, args)
    db.session.commit()
    return _meeting_detail(meeting)


def _meeting_detail(meeting):
    meeting.attended_unit_ids = coordination.attended_unit_ids(meeting)
    meeting.resolutions = coordination.meeting_resolutions(meeting)
    return meeting


@blp.route("/meetings/<id:meeting_id>", methods=["GET"])
@auth_required
@blp.response(200, MeetingDetailSchema)
def get_meeting(meeting_id):
    """会议详情, with its resolutions."""
    return _meeting_detail(coordination.meeting_in_scope(current_user(), meeting_id))


@blp.route("/meetings/<id:meeting_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(MeetingPatchSchema))
@blp.response(200, MeetingDetailSchema)
def patch_meeting(changes, meeting_id):
    """修改会议: minutes, attendance (member units only), agenda."""
    meeting = coordination.update_meeting(current_user(), meeting_id, changes)
    db.session.commit()
    return _meeting_detail(meeting)


@blp.route("/meetings/<id:meeting_id>/resolutions", methods=["POST"])
@auth_required
@blp.arguments(ResolutionSchema)
@blp.response(201, ResolutionSchema)
def add_resolution(args, meeting_id):
    """形成决议事项: owned by a member unit, due on a date; starts `open`."""
    resolution = coordination.add_resolution(current_user(), meeting_id, args)
    db.session.commit()
    return resolution


@blp.route("/resolutions", methods=["GET"])
@auth_required
@blp.arguments(ResolutionListArgsSchema, location="query")
@blp.response(200, ResolutionPageSchema)
def list_resolutions(args):
    """决议事项 (within scope); `overdue=1`: those past their due date, for the desk's home."""
    statement = coordination.resolution_listing(
        current_user(), args.get("status"), args["overdue"], args.get("body_id"))
    return page_response(statement, args)


@blp.route("/resolutions/<id:resolution_id>/close", methods=["POST"])
@auth_required
@blp.arguments(ResolutionOutcomeSchema)
@blp.response(200, ResolutionSchema)
def close_resolution(args, resolution_id):
    """办结决议事项, with what was done; one no longer open → 409."""
    resolution = coordination.change_resolution(current_user(), resolution_id, "close", args["outcome"])
    db.session.commit()
    return resolution


@blp.route("/resolutions/<id:resolution_id>/drop", methods=["POST"])
@auth_required
@blp.arguments(ResolutionOutcomeSchema)
@blp.response(200, ResolutionSchema)
def drop_resolution(args, resolution_id):
    """撤销决议事项, with the reason; one no longer open → 409."""
    resolution = coordination.change_resolution(current_user(), resolution_id, "drop", args["outcome"])
    db.session.commit()
    return resolution


# --- terms of office --------------------------------------------------------------------------------


@blp.route("/terms", methods=["POST"])
@auth_required
@blp.arguments(TermSchema)
@blp.response(201, TermSchema)
def create_term(args):
    """登记班子成员任期 (street working committees and community general branches)."""
    term = coordination.create_term(current_user(), args)
    db.session.commit()
    return term


@blp.route("/terms", methods=["GET"])
@auth_required
@blp.arguments(TermListArgsSchema, location="query")
@blp.response(200, TermPageSchema)
def list_terms(args):
    """任期记录, past terms included (within scope)."""
    return page_response(coordination.term_listing(current_user(), args.get("org_id"), args.get("post")), args)


@blp.route("/terms/leadership", methods=["GET"])
@auth_required
@blp.arguments(LeadershipArgsSchema, location="query")
@blp.response(200, LeadershipSchema)
@blp.alt_response(404, response="NOT_FOUND", description="组织不存在或不在调用者的范围内")
def leadership(args):
    """班子现状: each post with today's holder; `vacant` when none."""
    return coordination.leadership(current_user(), args["org_id"])


@blp.route("/terms/<id:term_id>/end", methods=["POST"])
@auth_required
@blp.arguments(TermEndSchema)
@blp.response(200, TermSchema)
def end_term(args, term_id):
    """提前离任: the term ends on `left_on`; it stays in the history."""
    term = coordination.end_term(current_user(), term_id, args["left_on"])
    db.session.commit()
    return term


# --- annual reports -----------------------------------------------------------------------------------


@blp.route("/annual-reports", methods=["POST"])
@auth_required
@blp.arguments(AnnualReportSchema)
@blp.response(201, AnnualReportDetailSchema)
def create_report(args):
    """生成年度工作报告 of a street working committee: the figures are compiled from Linli's records."""
    report = coordination.create_report(current_user(), args)
    db.session.commit()
    return _report_detail(report)


def _report_detail(report):
    report.comments = coordination.report_comments(report)
    report.figure_rows = coordination.figure_rows(report.figures)
    return report


@blp.route("/annual-reports", methods=["GET"])
@auth_required
@blp.arguments(ReportListArgsSchema, location="query")
@blp.response(200, ReportPageSchema)
def list_reports(args):
    """年度工作报告列表 (within scope)."""
    return page_response(coordination.report_listing(current_user(), args.get("org_id"), args.get("year")), args)


@blp.route("/annual-reports/<id:report_id>", methods=["GET"])
@auth_required
@blp.response(200, AnnualReportDetailSchema)
def get_report(report_id):
    """年度工作报告, with the representatives' comments and the answers."""
    return _report_detail(coordination.report_in_scope(current_user(), report_id))


@blp.route("/annual-reports/<id:report_id>", methods=["PATCH"])
@auth_required
@blp.arguments(ReportPatchSchema)
@blp.response(200, AnnualReportDetailSchema)
def patch_report(args, report_id):
    """修改报告正文 (a draft; once presented → 409)."""
    report = coordination.update_report(current_user(), report_id, args["narrative"])
    db.session.commit()
    return _report_detail(report)


@blp.route("/annual-reports/<id:report_id>/compile", methods=["POST"])
@auth_required
@blp.response(200, AnnualReportDetailSchema)
def compile_report(report_id):
    """重新汇总数字 (a draft; once presented → 409)."""
    report = coordination.recompile_report(current_user(), report_id)
    db.session.commit()
    return _report_detail(report)


@blp.route("/annual-reports/<id:report_id>/present", methods=["POST"])
@auth_required
@blp.arguments(PresentSchema)
@blp.response(200, AnnualReportDetailSchema)
def present_report(args, report_id):
    """在协调委员会会议上报告: the meeting must be one of the street's coordination committee."""
    report = coordination.present_report(current_user(), report_id, args["meeting_id"])
    db.session.commit()
    return _report_detail(report)


@blp.route("/annual-reports/<id:report_id>/comments", methods=["POST"])
@auth_required
@blp.arguments(ReportCommentSchema)
@blp.response(201, ReportCommentSchema)
def add_comment(args, report_id):
    """记录代表意见 on a presented report."""
    comment = coordination.add_comment(current_user(), report_id, args)
    db.session.commit()
    return comment


@blp.route("/report-comments/<id:comment_id>/answer", methods=["POST"])
@auth_required
@blp.arguments(CommentAnswerSchema)
@blp.response(200, ReportCommentSchema)
def answer_comment(args, comment_id):
    """答复代表意见 (once; again → 409)."""
    comment = coordination.answer_comment(current_user(), comment_id, args["answer"])
    db.session.commit()
    return comment


@blp.route("/annual-reports/<id:report_id>/report.xlsx", methods=["GET"])
@auth_required
@blp.response(200, content_type=XLSX)
def report_xlsx(report_id):
    """年度工作报告数据 (.xlsx): one row per figure."""
    content, title = coordination.report_spreadsheet(current_user(), report_id)
    return attachment(content, XLSX, f"{title}.xlsx", f"annual-report-{report_id}.xlsx")


@blp.route("/annual-reports/<id:report_id>/report.docx", methods=["GET"])
@auth_required
@blp.response(200, content_type=DOCX)
def report_docx(report_id):
    """年度工作报告 (.docx): the narrative, the figures, the comments and answers."""
    content, title = coordination.report_document(current_user(), report_id)
    return attachment(content, DOCX, f"{title}.docx", f"annual-report-{report_id}.docx")



# --- resource and need lists, joint projects (资源清单, 需求清单, 共建项目) --------------------------------


@blp.route("/units/<id:unit_id>/offers", methods=["POST"])
@auth_required
@blp.arguments(OfferSchema)
@blp.response(201, OfferSchema)
def create_offer(args, unit_id):
    """登记资源: what the unit can offer (venue, skill, funds, volunteers), by the staff over its street."""
    offer = coordination.create_offer(current_user(), unit_id, args)
    db.session.commit()
    return offer


@blp.route("/offers", methods=["GET"])
@auth_required
@blp.arguments(OfferListArgsSchema, location="query")
@blp.response(200, OfferPageSchema)
def list_offers(args):
    """资源清单: the offers of the streets whose units the caller reads."""
    statement = coordination.offer_listing(current_user(), args.get("kind"), args.get("unit_id"), args.get("active"))
    return page_response(statement, args)


@blp.route("/offers/<id:offer_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(OfferPatchSchema))
@blp.response(200, OfferSchema)
def patch_offer(changes, offer_id):
    """修改资源; `active: false` withdraws it (no longer suggested)."""
    offer = coordination.update_offer(current_user(), offer_id, changes)
    db.session.commit()
    return offer


@blp.route("/needs", methods=["POST"])
@auth_required
@blp.arguments(NeedSchema)
@blp.response(201, NeedSchema)
def create_need(args):
    """登记需求: what a community needs (staff over the community)."""
    need = coordination.create_need(current_user(), args)
    db.session.commit()
    return need


@blp.route("/needs", methods=["GET"])
@auth_required
@blp.arguments(NeedListArgsSchema, location="query")
@blp.response(200, NeedPageSchema)
def list_needs(args):
    """需求清单 (within scope); `unmatched=1`: those no project takes up yet."""
    statement = coordination.need_listing(
        current_user(), args.get("community_id"), args.get("kind"), args["unmatched"])
    return page_response(statement, args)


@blp.route("/needs/<id:need_id>", methods=["GET"])
@auth_required
@blp.response(200, NeedDetailSchema)
def get_need(need_id):
    """需求详情, with the projects that take it up."""
    need = coordination.need_in_scope(current_user(), need_id)
    need.projects = coordination.need_projects(need)
    return need


@blp.route("/needs/<id:need_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(NeedPatchSchema))
@blp.response(200, NeedSchema)
def patch_need(changes, need_id):
    """修改需求: its kind, title or description (staff over the community)."""
    need = coordination.update_need(current_user(), need_id, changes)
    db.session.commit()
    return need


@blp.route("/needs/<id:need_id>/suggestions", methods=["GET"])
@auth_required
@blp.arguments(SuggestionArgsSchema, location="query")
@blp.response(200, SuggestionListSchema)
def need_suggestions(args, need_id):
    """推荐资源: active offers of the community's street, the need's kind first, then the nearest unit."""
    return {"items": coordination.suggestions(current_user(), need_id, args["limit"])}


@blp.route("/projects", methods=["POST"])
@auth_required
@blp.arguments(ProjectSchema)
@blp.response(201, ProjectDetailSchema)
def create_project(args):
    """设立共建项目: a need met with units' offers; starts `planned`."""
    project = coordination.create_project(current_user(), args)
    db.session.commit()
    return _project_detail(project)


def _project_detail(project):
    project.offers = coordination.project_offers(project)
    return project


@blp.route("/projects", methods=["GET"])
@auth_required
@blp.arguments(ProjectListArgsSchema, location="query")
@blp.response(200, ProjectPageSchema)
def list_projects(args):
    """共建项目 (within scope), newest first; `unit_id`: those the unit takes part in."""
    statement = coordination.project_listing(
        current_user(), args.get("status"), args.get("community_id"), args.get("unit_id"))
    return page_response(statement, args)


@blp.route("/projects/<id:project_id>", methods=["GET"])
@auth_required
@blp.response(200, ProjectDetailSchema)
def get_project(project_id):
    """共建项目详情, with the offers (and so the units) involved."""
    return _project_detail(coordination.project_in_scope(current_user(), project_id))


@blp.route("/projects/<id:project_id>/start", methods=["POST"])
@auth_required
@blp.response(200, ProjectDetailSchema)
def start_project(project_id):
    """开始实施 (from `planned`; otherwise 409)."""
    project = coordination.change_project(current_user(), project_id, "start")
    db.session.commit()
    return _project_detail(project)


@blp.route("/projects/<id:project_id>/finish", methods=["POST"])
@auth_required
@blp.arguments(ProjectOutcomeSchema)
@blp.response(200, ProjectDetailSchema)
def finish_project(args, project_id):
    """项目完成, with its outcome (from `running`; otherwise 409)."""
    project = coordination.change_project(current_user(), project_id, "finish", args["outcome"])
    db.session.commit()
    return _project_detail(project)


@blp.route("/projects/<id:project_id>/drop", methods=["POST"])
@auth_required
@blp.arguments(ProjectOutcomeSchema)
@blp.response(200, ProjectDetailSchema)
def drop_project(args, project_id):
    """终止项目, with the reason (from `planned` or `running`; otherwise 409)."""
    project = coordination.change_project(current_user(), project_id, "drop", args["outcome"])
    db.session.commit()
    return _project_detail(project)


# --- branch rosters and mass organisations ------------------------------------------------------------


@blp.route("/branches/<id:branch_id>/members", methods=["POST"])
@auth_required
@blp.arguments(BranchMemberSchema)
@blp.response(201, BranchMemberSchema)
def add_branch_member(args, branch_id):
    """登记支部党员 (楼院, 功能型 or 流动党员党支部); a mobile member with where they are and how to reach them."""
    member = coordination.add_branch_member(current_user(), branch_id, args)
    db.session.commit()
    return _masked(member)


def _masked(member):
    """Lists and write answers carry the number masked; GET /branch-members/{id} gives it whole."""
    member.phone_masked = mask_phone(member.phone)
    return member


@blp.route("/branches/<id:branch_id>/members", methods=["GET"])
@auth_required
@blp.arguments(RosterArgsSchema, location="query")
@blp.response(200, RosterSchema)
def branch_roster(args, branch_id):
    """支部党员名册: only the staff over the branch (anyone else: 404); phone numbers masked, each read
    of mobile members' whereabouts recorded in the audit trail."""
    members = coordination.roster(current_user(), branch_id, args.get("mobile"))
    return {"branch_id": branch_id, "items": [_masked(member) for member in members]}


@blp.route("/branch-members/<id:branch_member_id>", methods=["GET"])
@auth_required
@blp.response(200, BranchMemberDetailSchema)
def get_branch_member(branch_member_id):
    """名册中的一人, with a mobile member's full number (staff over the branch; the read is recorded)."""
    return _masked(coordination.branch_member_contact(current_user(), branch_member_id))


@blp.route("/branch-members/<id:branch_member_id>", methods=["PATCH"])
@auth_required
@blp.arguments(patch_schema(BranchMemberPatchSchema))
@blp.response(200, BranchMemberSchema)
def patch_branch_member(changes, branch_member_id):
    """修改名册: a mobile member's new place or contact; `mobile: false` drops them."""
    member = coordination.update_branch_member(current_user(), branch_member_id, changes)
    db.session.commit()
    return _masked(member)


@blp.route("/branch-members/<id:branch_member_id>", methods=["DELETE"])
@auth_required
@blp.response(204)
def delete_branch_member(branch_member_id):
    """移出名册: the person leaves the branch (moved away, transferred out); staff over the branch."""
    coordination.remove_branch_member(current_user(), branch_member_id)
    db.session.commit()


@blp.route("/branches/<id:branch_id>/mass-organisations", methods=["POST"])
@auth_required
@blp.arguments(MassOrganisationSchema)
@blp.response(201, MassOrganisationSchema)
def create_mass_organisation(args, branch_id):
    """登记群众组织 behind a functional branch (a choir, a volunteer team); another kind of branch → 422."""
    organisation = coordination.create_mass_organisation(current_user(), branch_id, args)
    db.session.commit()
    return organisation


@blp.route("/branches/<id:branch_id>/mass-organisations", methods=["GET"])
@auth_required
@blp.response(200, MassOrganisationListSchema)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="该组织不是功能型党支部")
def list_mass_organisations(branch_id):
    """功能型党支部的群众组织."""
    return {"items": coordination.mass_organisations(current_user(), branch_id)}
