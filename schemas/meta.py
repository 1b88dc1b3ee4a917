"""The display-name tables the desk and the mini-program read instead of keeping their own."""
import marshmallow as ma

# vocabulary → what its values are (the OpenAPI description of each table).
VOCABULARY_DESCRIPTIONS = {
    "request_status": "服务请求状态 (status of a request)",
    "request_action": "服务请求历史中的操作 (history[].action of a request)",
    "offer_status": "派单状态 (status of an offer)",
    "urgency": "紧急程度 (urgency of a request)",
    "service_model": "五种服务模式 (service_model of a category)",
    "org_kind": "党组织类型 (kind of an org unit)",
    "staff_role": "工作人员角色 (role of a staff scope)",
    "station_kind": "阵地类型 (kind of a station)",
    "acquisition": "阵地取得途径 (acquisition of a station)",
    "checklist_item": "标准化清单项 (keys of a station's checklist)",
    "weekday": "星期 (keys of opening_hours.weekly)",
    "checkin_status": "签到状态 (status of a check-in)",
    "checkin_flag": "签到异常标记 (flags[].code of a check-in)",
    "registration_status": "报到状态 (status of a registration)",
    "hours_status": "服务时长状态 (status of an hour entry; hours_status of a check-in)",
    "hour_source": "服务时长来源 (source of an hour entry)",
    "correction_status": "时长更正状态 (status of a correction)",
    "contact_message_kind": "联系消息类型 (kind of a contact message)",
    "notification_event": "通知事件 (event of a notification)",
    "delivery_status": "发送状态 (status of an outbox item)",
    "token_kind": "登录凭证类型 (kind of a token)",
    "audit_kind": "审计记录类型 (kind of an audit entry)",
    "contact_report_status": "留言举报处理状态 (status of a contact report)",
    "unit_kind": "驻区单位类型 (kind of a resident unit)",
    "body_kind": "协调机构类型 (kind of a coordination body)",
    "resolution_status": "决议事项状态 (status of a resolution)",
    "leadership_post": "班子职务 (post of a term of office)",
    "report_status": "年度工作报告状态 (status of an annual report)",
    "fund_kind": "基金类型 (kind of a fund)",
    "donor_kind": "捐赠方类型 (donor_kind of a donation)",
    "fund_entry_kind": "基金账目类型 (kind of a fund entry)",
    "disbursement_status": "基金支出状态 (status of a disbursement)",
    "care_kind": "帮扶对象类别 (kinds of a care target)",
    "visit_status": "走访记录状态 (status of a visit)",
    "activity_level": "活动层级 (level of an activity)",
    "signup_status": "报名状态 (status of an activity sign-up)",
    "signup_role": "活动角色 (role of an activity sign-up)",
    "offer_provider_kind": "社会化服务资源提供方类型 (provider_kind of a social offer)",
    "social_offer_kind": "社会化服务资源类型 (kind of a social offer)",
    "social_offer_status": "社会化服务资源状态 (status of a social offer)",
    "provider_kind": "服务机构类型 (kind of a provider)",
    "evaluation_round_status": "述职评议状态 (status of an evaluation round)",
    "evaluation_sector": "评议界别 (sector of an invitation and of the results)",
    "evaluation_assessment_kind": "考核类型 (kind of an evaluation assessment)",
    "evaluation_media_kind": "述职材料类型 (kind of an evaluation medium)",
    "station_funding": "阵地经费来源 (funding of a station)",
    "resource_kind": "资源与需求类别 (kind of an offer or a need)",
    "project_status": "共建项目状态 (status of a joint project)",
    "mass_org_kind": "群众组织类型 (kind of a mass organisation)",
    "moderation_status": "内容审核状态 (status of a held text)",
    "hold_reason": "内容待审核原因 (reason of a held text)",
}


def _names_field(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), required=True, metadata={"description": description}
    )


MetaSchema = ma.Schema.from_dict(
    {vocabulary: _names_field(description) for vocabulary, description in VOCABULARY_DESCRIPTIONS.items()},
    name="Meta",
)
