"""Who is calling: WeChat login, desk login, bearer tokens, phone binding."""
import hashlib
import logging
import secrets
from datetime import timedelta

import requests
from flask import current_app
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from wechatpy.exceptions import WeChatClientException
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import utcnow
from models.users import AuthToken, DeskLoginFailure, User
from services.errors import Forbidden, Invalid, TooManyRequests, Unauthorized, Unavailable
from wx.client import get_wechat

log = logging.getLogger(__name__)

PASSWORD_METHOD = "scrypt"  # noqa: S105  # the name of the hash method, not a password
# Compared against when the username is unknown, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16), method=PASSWORD_METHOD)

WX_CODE_ERRORS = {40029, 40163, 40226}
# A token's last use is recorded to the minute: enough for an idle time, and most requests write nothing.
LAST_USE_PRECISION = timedelta(seconds=60)


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def issue_token(user: User, kind: str = "mini_program") -> str:
    """A new opaque bearer token (256 random bits); only its digest is stored."""
    raw = secrets.token_urlsafe(32)
    config = current_app.config
    ttl = config["DESK_TOKEN_TTL_SECONDS"] if kind == "desk" else config["TOKEN_TTL_SECONDS"]
    now = utcnow()
    db.session.add(
        AuthToken(
            digest=_digest(raw), user=user, kind=kind, created_at=now, last_used_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    return raw


def user_for_token(raw_token: str | None) -> User:
    """The token's user; 401 when the token is unknown, revoked, expired, idle or its account disabled."""
    if not raw_token:
        raise Unauthorized("请先登录", code="token_missing")
    # One statement for the token, its user, the user's scopes (with their units) and provider
    # account: every authenticated request pays it, and these decide most permission checks after it.
    user = joinedload(AuthToken.user)
    token = db.session.execute(
        select(AuthToken)
        .where(AuthToken.digest == _digest(raw_token))
        .options(user.joinedload(User.scopes), user.joinedload(User.provider_account))
    ).unique().scalar_one_or_none()
    now = utcnow()
    if token is None or token.revoked_at is not None or token.expires_at <= now or _idle(token, now):
        raise Unauthorized("登录已失效，请重新登录", code="token_invalid")
    if token.user.disabled_at is not None:
        raise Unauthorized("账号已停用", code="account_disabled")
    if token.last_used_at <= now - LAST_USE_PRECISION:
        _record_use(token.id, now)
    return token.user


def _idle(token: AuthToken, now) -> bool:
    if token.kind != "desk":
        return False
    return token.last_used_at <= now - timedelta(seconds=current_app.config["DESK_TOKEN_IDLE_SECONDS"])


def _record_use(token_id: int, now) -> None:
    """Move last_used_at forward in its own short transaction.

    Read-only requests never commit their session, and the idle clock must still see them;
    the guard keeps concurrent requests of one token to a single write a minute.
    """
    with db.engine.begin() as connection:
        connection.execute(
            update(AuthToken)
            .where(AuthToken.id == token_id, AuthToken.last_used_at <= now - LAST_USE_PRECISION)
            .values(last_used_at=now)
        )


def revoke_token(raw_token: str) -> None:
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.digest == _digest(raw_token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_tokens(user_id: int, keep_raw_token: str | None = None) -> None:
    """Every live token of the account stops working, except the one kept."""
    statement = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.revoked_at.is_(None))
    if keep_raw_token is not None:
        statement = statement.where(AuthToken.digest != _digest(keep_raw_token))
    db.session.execute(statement.values(revoked_at=utcnow()))


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
    if user.disabled_at is not None:
        raise Forbidden("账号已停用", code="account_disabled")
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


def desk_login(username: str, password: str, address: str) -> tuple[str, User]:
    """Desk accounts: password check; repeated failures lock this name from this address only.

    An unknown name goes through the same steps (hash check, failure count, lock) as a real
    one, so no answer tells whether an account exists; a disabled account is only reported
    after its correct password.
    """
    now = utcnow()
    failure = db.session.execute(
        select(DeskLoginFailure).where(
            DeskLoginFailure.username == username, DeskLoginFailure.address == address
        )
    ).scalar_one_or_none()
    if failure is not None and failure.locked_until is not None and failure.locked_until > now:
        retry_after = int((failure.locked_until - now).total_seconds()) + 1
        raise TooManyRequests(retry_after, "登录失败次数过多，请稍后再试", code="login_locked")
    user = db.session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    known = user is not None and bool(user.password_hash)
    correct = check_password_hash(user.password_hash if known else _DUMMY_HASH, password)
    if not (known and correct):
        _record_failed_login(username, address)
        raise Unauthorized("用户名或密码错误", code="invalid_credentials")
    if user.disabled_at is not None:
        raise Forbidden("账号已停用，请联系管理员", code="account_disabled")
    if failure is not None:
        db.session.delete(failure)
    user.last_login_at = now
    return issue_token(user, kind="desk"), user


def _record_failed_login(username: str, address: str) -> None:
    """Count the failure for the pair atomically and lock the pair at the limit.

    Failures older than the lockout period are forgotten. Commits here, because the caller
    answers with an error and nothing else would persist it.
    """
    config = current_app.config
    now = utcnow()
    pair = (DeskLoginFailure.username == username, DeskLoginFailure.address == address)
    count = (
        update(DeskLoginFailure)
        .where(*pair)
        .values(
            failures=case(
                (DeskLoginFailure.last_failed_at <= now - timedelta(seconds=config["DESK_LOGIN_LOCKOUT_SECONDS"]), 1),
                else_=DeskLoginFailure.failures + 1,
            ),
            last_failed_at=now,
        )
    )
    if db.session.execute(count).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(DeskLoginFailure(username=username, address=address, failures=1, last_failed_at=now))
        except IntegrityError:
            # A concurrent failure of the same pair created the row first: count on it.
            db.session.execute(count)
    db.session.execute(
        update(DeskLoginFailure)
        .where(*pair, DeskLoginFailure.failures >= config["DESK_LOGIN_MAX_FAILURES"])
        .values(failures=0, locked_until=now + timedelta(seconds=config["DESK_LOGIN_LOCKOUT_SECONDS"]))
    )
    db.session.commit()


def change_password(user: User, raw_token: str, old_password: str, new_password: str) -> None:
    """A desk account's new password; every other session of the account ends."""
    if not user.password_hash:
        raise Forbidden("只有工作台账号可以修改密码", code="not_a_desk_account")
    if not check_password_hash(user.password_hash, old_password):
        raise Invalid("原密码不正确", code="wrong_password", fields={"old_password": ["原密码不正确"]})
    user.password_hash = hash_password(new_password)
    revoke_tokens(user.id, keep_raw_token=raw_token)


def purge_dead_tokens() -> int:
    """Delete tokens that can never authenticate again (expired or revoked); returns how many."""
    return db.session.execute(
        delete(AuthToken).where(or_(AuthToken.expires_at <= utcnow(), AuthToken.revoked_at.is_not(None)))
    ).rowcount
