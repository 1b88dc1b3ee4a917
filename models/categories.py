"""Service categories: the managed list a resident picks from, tied to skills and a service model."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, String, false
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import choice, utcnow

# 五种服务模式.
SERVICE_MODEL_NAMES = {
    "routine": "常态化服务",
    "cultural": "文化惠民服务",
    "on_demand": "按需服务",
    "professional": "专业化基地化服务",
    "socialised": "社会化服务",
}
SERVICE_MODELS = tuple(SERVICE_MODEL_NAMES)


class ServiceCategory(db.Model):
    __tablename__ = "service_categories"
    __table_args__ = (CheckConstraint("expected_minutes > 0", name="expected_minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    service_model: Mapped[str] = mapped_column(
        choice(SERVICE_MODELS, "service_model", 20)
    )
    expected_minutes: Mapped[int] = mapped_column(default=60)
    # The response clock of its requests counts only the community station's opening hours.
    sla_opening_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
