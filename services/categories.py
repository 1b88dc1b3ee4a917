"""The managed list of service categories (administrators edit it, everyone reads it)."""
from sqlalchemy import select

from extensions import db
from models.categories import ServiceCategory
from models.users import User
from services.database import add_or_conflict
from services.errors import Conflict, NotFound
from services.permissions import require_admin


def list_categories() -> list[ServiceCategory]:
    return db.session.execute(
        select(ServiceCategory).where(ServiceCategory.active.is_(True)).order_by(ServiceCategory.id)
    ).scalars().all()


def get_category(category_id: int) -> ServiceCategory:
    category = db.session.get(ServiceCategory, category_id)
    if category is None or not category.active:
        raise NotFound("服务类别不存在", code="category_not_found")
    return category


def create_category(actor: User, fields: dict) -> ServiceCategory:
    require_admin(actor)
    category = ServiceCategory(**fields)
    return _saved(category)


def update_category(actor: User, category_id: int, changes: dict) -> ServiceCategory:
    require_admin(actor)
    category = get_category(category_id)
    for name, value in changes.items():
        setattr(category, name, value)
    return _saved(category)


def _saved(category: ServiceCategory) -> ServiceCategory:
    add_or_conflict(category, Conflict("同名服务类别已存在", code="category_name_taken"))
    return category
