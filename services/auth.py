"""Who is calling: WeChat login, desk login, bearer tokens, phone binding."""
import hashlib
import logging
import secrets
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from wechatpy.exceptions import WeChatClientException
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import utcnow
from models.users import AuthToken, User
from services.errors import Invalid, TooManyRequests, Unauthorized, Unavailable
from wx.client import get_wechat

log = logging.getLogger(__name__)

PASSWORD_METHOD = "scrypt"
# Compared against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)

WX_CODE_ERRORS = {40029, 40163, 40226}


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def issue_token(user: User) -> str:
    """A new opaque bearer token (256 random bits); only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config["TOKEN_TTL_SECONDS"])
    db.session.add(AuthToken(digest=_digest(raw), user=user, expires_at=utcnow() + ttl))
    return raw


def user_for_token(raw_token: str | None) -> User:
    if not raw_token:
        raise Unauthorized("请先登录", code="token_missing")
    token = db.session.execute(
        select(AuthToken).where(AuthToken.digest == _digest(raw_token))
    ).scalar_one_or_none()
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        raise Unauthorized("登录已失效，请重新登录", code="token_invalid")
    return token.user


def revoke_token(raw_token: str) -> None:
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.digest == _digest(raw_token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def _wechat_call(call, *args):
    """Run a WeChat API call, turning its failures into domain errors."""
    try:
        return call(*args)
    except WeChatClientException as error:
        if error.errcode in WX_CODE_ERRORS:
            raise Invalid("微信登录凭证无效或已使用，请重新获取", code="wx_code_invalid") from None
        log.warning("WeChat call failed: errcode=%s", error.errcode)
        raise Unavailable("微信服务暂时不可用，请稍后再试", code="wx_unavailable") from None
    except requests.RequestException as error:
        log.warning("WeChat unreachable: %s", type(error).__name__)
        raise Unavailable("微信服务暂时不可用，请稍后再试", code="wx_unavailable") from None


def wx_login(code: str) -> tuple[str, User, bool]:
    """code2Session: find or create the user for the openid; returns (token, user, is_new)."""
    session = _wechat_call(get_wechat().code_to_session, code)
    user, is_new = _user_for_openid(session["openid"], session.get("unionid"))
    user.session_key = session["session_key"]
    user.last_login_at = utcnow()
    return issue_token(user), user, is_new


def _user_for_openid(openid: str, unionid: str | None) -> tuple[User, bool]:
    existing = db.session.execute(select(User).where(User.openid == openid)).scalar_one_or_none()
    if existing is not None:
        return existing, False
    user = User(openid=openid, unionid=unionid, name="微信用户")
    db.session.add(user)
    try:
        db.session.flush()
        return user, True
    except IntegrityError:
        # Another first login of the same openid won the race: use its row.
        db.session.rollback()
        return db.session.execute(select(User).where(User.openid == openid)).scalar_one(), False


def bind_phone(user: User, code: str) -> str:
    """getPhoneNumber: resolve the code through WeChat and keep the number on the user."""
    info = _wechat_call(get_wechat().get_phone_number, code)
    user.phone = info.get("purePhoneNumber") or info["phoneNumber"]
    user.phone_bound_at = utcnow()
    return user.phone


def desk_login(username: str, password: str) -> tuple[str, User]:
    """Desk accounts: password check with a lockout after repeated failures."""
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        retry_after = int((user.locked_until - now).total_seconds()) + 1
        raise TooManyRequests(retry_after, "登录失败次数过多，账号已暂时锁定", code="account_locked")
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    if not check_password_hash(user.password_hash, password):
        _record_failed_login(user)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return issue_token(user), user


def _record_failed_login(user: User) -> None:
    """Count the failure atomically and lock the account at the limit.

    Commits here, because the caller answers with an error and nothing else would persist it.
    """
    config = current_app.config
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user)
    if user.failed_logins >= config["DESK_LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(seconds=config["DESK_LOGIN_LOCKOUT_SECONDS"])
        user.failed_logins = 0
    db.session.commit()


def purge_dead_tokens() -> int:
    """Delete tokens that can never authenticate again (expired or revoked); returns how many."""
    return db.session.execute(
        delete(AuthToken).where(or_(AuthToken.expires_at <= utcnow(), AuthToken.revoked_at.is_not(None)))
    ).rowcount
