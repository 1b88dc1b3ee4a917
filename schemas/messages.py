"""marshmallow's validation messages in Chinese: residents and staff read every 422 field message.

Field classes copy their messages when a field is built, so this runs when the `schemas`
package is first imported, before any schema module defines its fields.
"""
import marshmallow as ma
from marshmallow import validate

FIELD_MESSAGES = {
    ma.fields.Field: {"required": "必填", "null": "不能为空", "validator_failed": "无效的值"},
    ma.fields.String: {"invalid": "应为文本", "invalid_utf8": "不是有效的 UTF-8 文本"},
    ma.fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    ma.fields.Integer: {"invalid": "应为整数"},
    ma.fields.Float: {"special": "不允许 NaN 或无穷大"},
    ma.fields.Boolean: {"invalid": "应为 true 或 false"},
    ma.fields.DateTime: {
        "invalid": "日期时间格式无效，应为 ISO 8601",
        "invalid_awareness": "日期时间须带时区",
        "format": "无法格式化为日期时间",
    },
    ma.fields.List: {"invalid": "应为列表"},
    ma.fields.Mapping: {"invalid": "应为对象"},
    ma.fields.Nested: {"type": "应为对象"},
}

VALIDATOR_MESSAGES = {
    validate.Length: {
        "message_min": "长度不能少于 {min}",
        "message_max": "长度不能超过 {max}",
        "message_all": "长度须在 {min} 到 {max} 之间",
        "message_equal": "长度须为 {equal}",
    },
    validate.Range: {
        "message_min": "须{min_op} {{min}}",
        "message_max": "须{max_op} {{max}}",
        "message_all": "须在 {{min}} 到 {{max}} 之间",
        "message_gte": "大于或等于",
        "message_gt": "大于",
        "message_lte": "小于或等于",
        "message_lt": "小于",
    },
    validate.OneOf: {"default_message": "须为以下之一：{choices}"},
}


def use_chinese_messages() -> None:
    for field_class, messages in FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.__dict__.get("default_error_messages", {}), **messages}
    for validator_class, messages in VALIDATOR_MESSAGES.items():
        for name, message in messages.items():
            setattr(validator_class, name, message)
    ma.Schema.error_messages = {"type": "应为 JSON 对象", "unknown": "未知字段"}
