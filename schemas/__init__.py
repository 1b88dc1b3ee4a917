"""marshmallow schemas; they also generate the OpenAPI document."""
from schemas.messages import use_chinese_messages

use_chinese_messages()
