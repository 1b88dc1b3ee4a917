"""The WeChat API client: wechatpy's client, pointed at a configurable API base."""
import logging
import threading
import time

import redis
import requests
from flask import current_app
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.session.memorystorage import MemoryStorage
from wechatpy.session.redisstorage import RedisStorage

log = logging.getLogger(__name__)

TOKEN_KEY_PREFIX = "linli-wx"  # noqa: S105  # a Redis key prefix, not a secret
# How long one process may hold the token-refresh lock, and how long others wait for it.
TOKEN_REFRESH_LOCK_SECONDS = 30
# How long a process reuses the shared token it last read, rather than asking Redis on every call.
# A token replaced meanwhile is answered 40001/42001 once, and the refresh reads Redis afresh.
TOKEN_MEMO_SECONDS = 10


class _DefaultTimeoutSession(requests.Session):
    """A requests session that applies a timeout to calls made without one."""

    def __init__(self, timeout):
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):
        # wechatpy's token fetch passes no timeout; a hung WeChat must not hang a worker.
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(method, url, **kwargs)


class SharedTokenStorage(RedisStorage):
    """The access token in Redis, shared by every process; while Redis is unreachable each
    process keeps its own copy, so WeChat calls go on without it."""

    def __init__(self, connection, prefix):
        super().__init__(connection, prefix=prefix)
        self._fallback = MemoryStorage()

    def get(self, key, default=None):
        try:
            return super().get(key, default)
        except redis.RedisError as error:
            log.warning("Redis unavailable for the WeChat token (%s): using this process's copy", type(error).__name__)
            return self._fallback.get(key, default)

    def set(self, key, value, ttl=None):
        self._fallback.set(key, value, ttl)
        try:
            super().set(key, value, ttl)
        except redis.RedisError as error:
            log.warning("Redis unavailable for the WeChat token (%s): kept in this process", type(error).__name__)

    def delete(self, key):
        self._fallback.delete(key)
        try:
            super().delete(key)
        except redis.RedisError as error:
            log.warning("Redis unavailable for the WeChat token (%s)", type(error).__name__)


class LinliWeChatClient(WeChatClient):
    """wechatpy's client with every call, token fetches included, sent to `api_base`."""

    def __init__(self, appid, secret, api_base, session=None, timeout=None):
        super().__init__(appid, secret, session=session, timeout=timeout)
        self.api_base = api_base.rstrip("/") + "/"
        self._http = _DefaultTimeoutSession(timeout)
        # wechatpy builds one API object per client in __new__, so these stay per instance.
        self.API_BASE_URL = self.api_base + "cgi-bin/"
        self.wxa.API_BASE_URL = self.api_base
        self._local = threading.local()
        self._token_memo: tuple[str, float] | None = None

    @property
    def access_token(self):
        """The shared token, read from Redis at most once per TOKEN_MEMO_SECONDS in this process."""
        memo = self._token_memo
        if memo and time.monotonic() < memo[1]:
            return memo[0]
        token = super().access_token
        self._token_memo = (token, time.monotonic() + TOKEN_MEMO_SECONDS)
        return token

    def _handle_result(self, res, method=None, url=None, result_processor=None, **kwargs):
        # Remember the token this call used: a refresh it triggers (40001/42001) then knows
        # whether another process has already replaced that token.
        self._local.used_token = (kwargs.get("params") or {}).get("access_token")
        return super()._handle_result(res, method, url, result_processor, **kwargs)

    def fetch_access_token(self):
        """A fresh access token, fetched by one process at a time; the others take the one it stored."""
        self._token_memo = None
        stale = getattr(self._local, "used_token", None)
        self._local.used_token = None
        connection = getattr(self.session, "redis", None)
        if connection is None:
            return self._fetch_new_access_token()
        key = self.session.key_name(self.access_token_key)
        try:
            with connection.lock(
                key + ":refresh", timeout=TOKEN_REFRESH_LOCK_SECONDS, blocking_timeout=TOKEN_REFRESH_LOCK_SECONDS
            ):
                current = self.session.get(self.access_token_key)
                if current and current != stale:
                    expires_in = max(connection.ttl(key), 0)
                    self.expires_at = int(time.time()) + expires_in
                    return {"access_token": current, "expires_in": expires_in}
                return self._fetch_new_access_token()
        except redis.RedisError:
            # No lock without Redis: the stable token is the same for every process that asks,
            # so processes refreshing at once do not invalidate each other's tokens.
            log.warning("Redis unavailable: the WeChat token is refreshed through stable_token")
            return self.fetch_stable_token()

    def _fetch_new_access_token(self):
        """Fetch a new access token from `cgi-bin/token` and store it in the token storage."""
        return self._fetch_access_token(
            url=self.api_base + "cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )

    def fetch_stable_token(self, force_refresh=False):
        """Fetch the stable access token from `cgi-bin/stable_token` and store it."""
        # Posted directly: wechatpy's post() would add an access token, fetching one first.
        response = self._http.post(
            self.api_base + "cgi-bin/stable_token",
            json={
                "grant_type": "client_credential",
                "appid": self.appid,
                "secret": self.secret,
                "force_refresh": force_refresh,
            },
            timeout=self.timeout,
        )
        try:
            response.raise_for_status()
        except requests.HTTPError as error:
            raise WeChatClientException(
                None, None, client=self, request=error.request, response=error.response
            ) from error
        result = response.json()
        if result.get("errcode", 0) != 0:
            raise WeChatClientException(
                result["errcode"], result.get("errmsg"), client=self,
                request=response.request, response=response,
            )
        self.session.set(self.access_token_key, result["access_token"], result["expires_in"])
        self.expires_at = int(time.time()) + result["expires_in"]
        return result

    def code_to_session(self, js_code):
        """code2Session: authenticated by the app secret, so it needs no access token (nor Redis)."""
        return self.get(
            "sns/jscode2session",
            params={
                "appid": self.appid,
                "secret": self.secret,
                "js_code": js_code,
                "grant_type": "authorization_code",
                # Present but None: wechatpy adds no access token, requests sends no parameter.
                "access_token": None,
            },
            api_base_url=self.api_base,
        )

    def get_phone_number(self, code):
        """The phone number behind a getPhoneNumber code: phoneNumber, purePhoneNumber, countryCode."""
        result = self.post(
            "wxa/business/getuserphonenumber", data={"code": code}, api_base_url=self.api_base
        )
        return result["phone_info"]

    def msg_sec_check(self, openid, scene, content):
        """Content security 2.0 for a text: the answer's `result.suggest` is pass, review or risky."""
        return self.post(
            "wxa/msg_sec_check",
            data={"version": 2, "openid": openid, "scene": scene, "content": content},
            api_base_url=self.api_base,
        )

    def media_check_async(self, openid, media_url, media_type, scene):
        """Content security 2.0 for an image or audio: answers a `trace_id`; the verdict is pushed later."""
        return self.post(
            "wxa/media_check_async",
            data={"version": 2, "openid": openid, "scene": scene, "media_url": media_url, "media_type": media_type},
            api_base_url=self.api_base,
        )

    def get_unlimited_code(self, scene, page, check_path, env_version):
        """wxacode.getUnlimited: the PNG of a mini-program code opening `page` with `scene` (≤ 32 characters)."""
        result = self.post(
            "wxa/getwxacodeunlimit",
            data={"scene": scene, "page": page, "check_path": check_path, "env_version": env_version},
            api_base_url=self.api_base,
        )
        if isinstance(result, dict):  # a JSON answer without an error code is no image either
            raise WeChatClientException(result.get("errcode"), result.get("errmsg"), client=self)
        return result.content

    def send_subscribe_message(
        self, openid, template_id, data, page=None, miniprogram_state=None, lang=None,
        notification_id=None,
    ):
        """Send one subscribe message; `notification_id` travels along so the sandbox can count deliveries."""
        body = {"touser": openid, "template_id": template_id, "data": data}
        optional_fields = {
            "page": page,
            "miniprogram_state": miniprogram_state,
            "lang": lang,
            # WeChat ignores keys it does not know; the sandbox records this one.
            "linli_notification_id": notification_id,
        }
        body.update({key: value for key, value in optional_fields.items() if value is not None})
        return self.post("message/subscribe/send", data=body)

    def close(self):
        """Release the pooled HTTP connections."""
        self._http.close()


def init_wechat(app):
    """Build the app's one WeChat client, its access token shared by all processes through Redis."""
    app.extensions["wechat"] = LinliWeChatClient(
        appid=app.config["WECHAT_APPID"],
        secret=app.config["WECHAT_SECRET"],
        api_base=app.config["WECHAT_API_BASE"],
        session=SharedTokenStorage(app.extensions["redis"], prefix=TOKEN_KEY_PREFIX),
        timeout=app.config["WECHAT_TIMEOUT"],
    )


def get_wechat() -> LinliWeChatClient:
    """The current app's WeChat client."""
    return current_app.extensions["wechat"]
