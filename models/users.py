"""People (residents, members, staff, administrators) and their bearer tokens."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import choice, utcnow

# Mini-program tokens live long (TOKEN_TTL_SECONDS); desk tokens (a shared office PC) live
# shorter and also end after an idle time (DESK_TOKEN_TTL_SECONDS, DESK_TOKEN_IDLE_SECONDS).
TOKEN_KIND_NAMES = {"mini_program": "小程序", "desk": "服务台"}
TOKEN_KINDS = tuple(TOKEN_KIND_NAMES)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # WeChat identity. code2Session's session_key is not kept: nothing here decrypts user data.
    openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_bound_at: Mapped[datetime | None]
    # Desk accounts.
    username: Mapped[str | None] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # A disabled account's tokens answer 401 and its desk login 403.
    disabled_at: Mapped[datetime | None]
    # Where the person lives.
    community_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"), index=True)
    # Set when staff confirmed the home or an approved registration established it; a home the
    # person set themselves opens no contact list until then.
    home_confirmed_at: Mapped[datetime | None]
    # When the person last moved their home themselves (PATCH /me), for the change interval.
    home_changed_at: Mapped[datetime | None]
    skills: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # When the person deleted their account (DELETE /me): the row stays, anonymised, for the service record.
    erased_at: Mapped[datetime | None]

    scopes = relationship("StaffScope", back_populates="user")
    # Read once per session through the user, who keeps it: a unit read by id alone is held weakly by the
    # session and read again by the next lookup once nothing refers to it.
    building = relationship("OrgUnit", foreign_keys=[building_id], viewonly=True)
    # The provider this desk account acts for, if any (at most one: a unique user_id).
    provider_account = relationship("ProviderAccount", uselist=False, viewonly=True)


class AuthToken(db.Model):
    """A bearer token, stored only as its SHA-256 digest."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(choice(TOKEN_KINDS, "token_kind", 20), default="mini_program")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Refreshed at most once a minute, so that using a token seldom writes.
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user = relationship(User, lazy="joined")


class DeskLoginFailure(db.Model):
    """Failed desk logins for one (username, client address) pair, and the pair's lock.

    Keyed on the name as typed, not on an account: an unknown name locks exactly like a real
    one, and a lock earned from one address never shuts the account's owner out elsewhere.
    """

    __tablename__ = "desk_login_failures"
    __table_args__ = (
        UniqueConstraint("username", "address"),
        CheckConstraint("failures >= 0", name="failures_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50))
    address: Mapped[str] = mapped_column(String(45))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]
