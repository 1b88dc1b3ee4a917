"""Service categories: the managed list a resident picks from, tied to skills and a service model."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import utcnow

SERVICE_MODELS = ("routine", "cultural", "on_demand", "professional", "socialised")


class ServiceCategory(db.Model):
    __tablename__ = "service_categories"
    __table_args__ = (CheckConstraint("expected_minutes > 0", name="expected_minutes_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)
    skills: Mapped[list] = mapped_column(JSON, default=list)
    service_model: Mapped[str] = mapped_column(
        Enum(*SERVICE_MODELS, name="service_model", native_enum=False, create_constraint=True, length=20)
    )
    expected_minutes: Mapped[int] = mapped_column(default=60)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
