"""Display names: one answer the clients read instead of keeping their own copies."""
from flask_smorest import Blueprint

from schemas.meta import MetaSchema
from services import meta

blp = Blueprint("meta", __name__, url_prefix="/meta", description="显示名称")


@blp.route("", methods=["GET"])
@blp.response(200, MetaSchema)
def display_names():
    """显示名称: `{vocabulary: {value: 中文名}}` for every status, kind and event the API returns (no login needed)."""
    return meta.display_names()
