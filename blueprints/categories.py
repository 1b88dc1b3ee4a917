"""Service categories: everyone reads the list, administrators manage it."""
from flask_smorest import Blueprint

from blueprints.common import auth_required, current_user
from extensions import db
from schemas.categories import ServiceCategoryListSchema, ServiceCategoryPatchSchema, ServiceCategorySchema
from services import categories

blp = Blueprint("categories", __name__, description="服务类别")


@blp.route("/categories", methods=["GET"])
@auth_required
@blp.response(200, ServiceCategoryListSchema)
def list_categories():
    """服务类别列表"""
    return {"items": categories.list_categories()}


@blp.route("/categories", methods=["POST"])
@auth_required
@blp.arguments(ServiceCategorySchema)
@blp.response(201, ServiceCategorySchema)
def create_category(args):
    """新建服务类别 (管理员)"""
    category = categories.create_category(current_user(), args)
    db.session.commit()
    return category


@blp.route("/categories/<id:category_id>", methods=["PATCH"])
@auth_required
@blp.arguments(ServiceCategoryPatchSchema)
@blp.response(200, ServiceCategorySchema)
def patch_category(changes, category_id):
    """修改服务类别 (管理员)"""
    category = categories.update_category(current_user(), category_id, changes)
    db.session.commit()
    return category
