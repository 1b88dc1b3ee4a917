"""Shared schema pieces: ids, paging arguments, the paged list envelope, trimmed text."""
import marshmallow as ma
from flask import current_app, has_app_context
from marshmallow import validate
from marshmallow.utils import get_value

# The largest id an `integer` column holds (PostgreSQL's ends here; SQLite's would go to 2^63).
# An id beyond it names nothing: 404 in a path (the `id` URL converter), 422 in a body or query.
MAX_ID = 2**31 - 1


class Id(ma.fields.Integer):
    """An object id, anywhere in a body, a query or an answer: 1..MAX_ID."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ID), **kwargs)


def patch_schema(schema_class: type[ma.Schema]) -> ma.Schema:
    """The schema for a PATCH body: every top-level field optional, nested objects still whole.

    `partial=True` would reach into nested schemas too (an opening-hours span without `open`).
    """
    return schema_class(partial=tuple(schema_class._declared_fields))


class PageArgsSchema(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000))
    per_page = ma.fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A schema for `{items, page, per_page, total}` of the given item schema."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )


def text(max_length: int, required: bool = True, min_length: int = 1, **kwargs) -> ma.fields.String:
    """A trimmed string field with a length limit."""
    return TrimmedString(
        required=required, validate=validate.Length(min=min_length, max=max_length), **kwargs
    )


def new_password_field(required: bool = True) -> ma.fields.String:
    """A password being set: at least 10 characters."""
    return ma.fields.String(
        required=required, validate=validate.Length(min=10, max=200, error="密码长度应在 10 到 200 位之间")
    )


class TrimmedString(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


# The largest id the database's integer columns hold: a bigger one is simply invalid (422).
LARGEST_ID = 2**31 - 1


def org_id_field() -> ma.fields.Integer:
    return ma.fields.Integer(
        validate=validate.Range(min=1, max=LARGEST_ID),
        metadata={"description": "默认：调用者的第一个管辖组织（管理员：组织树的根）"},
    )


# WeChat's content-security scenes (msg_sec_check version 2).
SCENE_PROFILE = 1  # 资料: what describes a person or a thing (titles, descriptions, addresses)
SCENE_COMMENT = 2  # 评论: answers, notes and reasons about another person's text or work
SCENE_FORUM = 3  # 论坛: longer texts published to many
SCENE_SOCIAL = 4  # 社交日志: messages between people
# The app's screening function, kept in app.extensions under this key (schemas never import
# services): called with (text, scene) for every SharedText a request body carries.
SCREEN_TEXT_EXTENSION = "linli.screen_text"
# The OpenAPI mark of a SharedText: the scene it is checked in.
CONTENT_CHECK_MARK = "x-content-check-scene"


class SharedText(TrimmedString):
    """Text one person writes that another will see: WeChat's content check screens it while the
    body is loaded, before any view runs, so no endpoint can forget the check."""

    def __init__(self, scene: int, **kwargs):
        metadata = {**kwargs.pop("metadata", {}), CONTENT_CHECK_MARK: scene}
        super().__init__(metadata=metadata, **kwargs)
        self.scene = scene

    def _deserialize(self, value, attr, data, **kwargs):
        text_value = super()._deserialize(value, attr, data, **kwargs)
        screen = current_app.extensions.get(SCREEN_TEXT_EXTENSION) if has_app_context() else None
        if text_value and screen is not None:
            screen(text_value, self.scene)
        return text_value


def shared_text(max_length: int, scene: int, required: bool = True, min_length: int = 1, **kwargs) -> SharedText:
    """A trimmed string field with a length limit that others will read: screened by WeChat."""
    return SharedText(
        scene, required=required, validate=validate.Length(min=min_length, max=max_length), **kwargs
    )


# The app's function reading a value for an answer, kept in app.extensions under this key:
# called with (the object read, the attribute read from it, its value) → what the caller may see.
HIDE_HELD_EXTENSION = "linli.hide_held"


class HeldAwareSchema(ma.Schema):
    """An answer showing texts people wrote: every text it reads (a string or a list), directly or
    along a path (`attribute="visitor.name"`), and its `moderation` field go through the app's
    held-text filter, so a text WeChat's content check holds is replaced for everyone but its author
    (who is told `moderation`), whichever endpoint dumps it. Every answer schema with a text field
    derives from it (tests/test_held_answers.py)."""

    def get_attribute(self, obj, attr, default):
        *path, name = attr.split(".")
        owner = obj
        for step in path:
            owner = get_value(owner, step, default)
        value = get_value(owner, name, default)  # `default` when missing: `moderation` is often not on the row
        if not isinstance(value, str | list) and name != "moderation":
            return value  # numbers, times, flags: nothing a person wrote, and most of an answer's values
        hide = current_app.extensions.get(HIDE_HELD_EXTENSION) if has_app_context() else None
        return value if hide is None else hide(owner, name, value)


def moderation_field() -> ma.fields.String:
    """`review` while WeChat's check holds the object's text (only its author sees it), else null."""
    return ma.fields.String(
        dump_only=True, allow_none=True, dump_default=None,
        metadata={"description": "仅作者可见：pending 等待微信检测、review 待人工审核、removed 已删除；null：已公开"},
    )
