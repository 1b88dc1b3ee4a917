"""SQLAlchemy models, one module per area."""
import importlib

MODEL_MODULES = (
    "users",
    "orgs",
    "members",
    "ledger",
    "notifications",
    "idempotency",
    "stations",
    "checkins",
    "contacts",
    "categories",
    "requests",
    "limits",
    "audit",
    "coordination",
    "care",
    "funds",
    "activities",
    "offers",
    "providers",
    "evaluation",
    "moderation",
)


def load_all() -> None:
    """Import every model module, so the metadata (and Alembic) sees all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(f"models.{name}")
