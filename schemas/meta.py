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
    "evaluation_round_status": "述职评议状态 (status of an evaluation round)",
    "evaluation_sector": "评议界别 (sector of an invitation and of the results)",
    "evaluation_assessment_kind": "考核类型 (kind of an evaluation assessment)",
    "evaluation_media_kind": "述职材料类型 (kind of an evaluation medium)",
    "station_funding": "阵地经费来源 (funding of a station)",
}


def _names_field(description: str) -> ma.fields.Dict:
    return ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(), required=True, metadata={"description": description}
    )


MetaSchema = ma.Schema.from_dict(
    {vocabulary: _names_field(description) for vocabulary, description in VOCABULARY_DESCRIPTIONS.items()},
    name="Meta",
)
