"""A local stand-in for the WeChat API, so login, phone numbers and subscribe messages work offline.

It answers WeChat's endpoints with WeChat's JSON shapes and error codes, and offers a control
API under /sandbox/ to mint login and phone codes, register templates and grants, inject
faults and read what was delivered.
"""
import base64
import io
import re
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field

import segno
from flask import Flask, jsonify, request, send_file
from werkzeug.serving import BaseWSGIServer, make_server

from wx.templates import value_problem

ACCESS_TOKEN_LIFETIME_SECONDS = 7200
DEFAULT_TOKEN_OVERLAP_SECONDS = 300

LOGIN_ENDPOINT = "sns/jscode2session"
TOKEN_ENDPOINT = "cgi-bin/token"  # noqa: S105  # a URL path, not a secret
STABLE_TOKEN_ENDPOINT = "cgi-bin/stable_token"  # noqa: S105  # a URL path, not a secret
PHONE_ENDPOINT = "wxa/business/getuserphonenumber"
SUBSCRIBE_SEND_ENDPOINT = "cgi-bin/message/subscribe/send"
MSG_SEC_CHECK_ENDPOINT = "wxa/msg_sec_check"
WXACODE_ENDPOINT = "wxa/getwxacodeunlimit"
MEDIA_CHECK_ENDPOINT = "wxa/media_check_async"
TEMPLATE_LIST_ENDPOINT = "wxaapi/newtmpl/gettemplate"
WECHAT_ENDPOINTS = (
    LOGIN_ENDPOINT, TOKEN_ENDPOINT, STABLE_TOKEN_ENDPOINT, PHONE_ENDPOINT, SUBSCRIBE_SEND_ENDPOINT,
    MSG_SEC_CHECK_ENDPOINT, WXACODE_ENDPOINT, MEDIA_CHECK_ENDPOINT, TEMPLATE_LIST_ENDPOINT,
)
# What a mini-program code's scene may hold: at most 32 of these characters.
SCENE = re.compile(r"[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}")
ENV_VERSIONS = ("release", "trial", "develop")
# The sandbox's content check: a text containing one of these words gets that suggestion
# (and its label), everything else passes, so tests and the demo can make any text risky.
SANDBOX_RISKY_WORD = "违规样例"
SANDBOX_REVIEW_WORD = "待审样例"
RISKY_LABEL = 20006  # 违法犯罪
REVIEW_LABEL = 21000  # 其他
CONTENT_SCENES = (1, 2, 3, 4)
FAULT_KINDS = ("busy", "http500", "delay")

INVALID_CREDENTIAL = (40001, "invalid credential, access_token is invalid or not latest")
EXPIRED_ACCESS_TOKEN = (42001, "access_token expired")
MISSING_ACCESS_TOKEN = (41001, "access_token missing")
INVALID_GRANT_TYPE = (40002, "invalid grant_type")
INVALID_APPID = (40013, "invalid appid")
INVALID_APPSECRET = (40125, "invalid appsecret")
INVALID_CODE = (40029, "invalid code")
CODE_BEEN_USED = (40163, "code been used")
MISSING_CODE = (41008, "missing code")
INVALID_OPENID = (40003, "invalid openid")
INVALID_TEMPLATE_ID = (40037, "invalid template_id")
INVALID_PAGE = (41030, "invalid page")
INVALID_TEMPLATE_DATA = (47003, "argument invalid! data invalid")
INVALID_ARGUMENT = (40097, "invalid args")
INVALID_SCENE = (40169, "invalid length for scene, or the data is not json string")
USER_REFUSED = (43101, "user refuse to accept the msg")
SYSTEM_BUSY = (-1, "system error")



class WeChatError(Exception):
    """A WeChat error answer: `{errcode, errmsg}` with HTTP 200, as WeChat sends it."""

    def __init__(self, error, detail=None):
        super().__init__(error)
        self.errcode, self.errmsg = error
        if detail:
            self.errmsg = f"{self.errmsg}: {detail}"


@dataclass
class _Token:
    valid_until: float
    # The error a caller gets once the token is past valid_until.
    error_when_invalid: tuple = EXPIRED_ACCESS_TOKEN


@dataclass
class _Fault:
    kind: str
    seconds: float


@dataclass
class SandboxState:
    """Everything the sandbox remembers; callers hold `lock` while reading or changing it."""

    appid: str
    secret: str
    initial_templates: tuple
    token_overlap_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self):
        self.reset()

    def reset(self):
        self.login_codes = {}  # code -> {"openid", "unionid", "used"}
        self.session_keys = {}  # openid -> session_key, for every openid that logged in
        self.unionids = {}  # openid -> unionid
        self.phone_codes = {}  # code -> phone number, removed when used
        self.tokens = {}  # access token -> _Token
        self.current_token = None
        self.current_stable_token = None
        self.templates = dict(self.initial_templates)
        self.grants = Counter()  # (openid, template_id) -> messages still allowed
        self.faults = defaultdict(deque)  # endpoint -> pending _Fault, oldest first
        self.messages = []
        self.wxacodes = []  # the scene, page, check_path and env_version of every code made
        self.media_checks = []  # trace_id, openid and media_url of every mediaCheckAsync
        self.deliveries_by_notification_id = Counter()
        self.stats = Counter()

    def mint_token(self, now):
        token = secrets.token_urlsafe(96)
        self.tokens[token] = _Token(valid_until=now + ACCESS_TOKEN_LIFETIME_SECONDS)
        return token

    def supersede(self, token, now):
        """A replaced token keeps working for the overlap, then answers 40001 like WeChat."""
        if token is not None:
            old = self.tokens[token]
            old.valid_until = min(old.valid_until, now + self.token_overlap_seconds)
            old.error_when_invalid = INVALID_CREDENTIAL

    def check_access_token(self, token, now):
        if not token:
            raise WeChatError(MISSING_ACCESS_TOKEN)
        record = self.tokens.get(token)
        if record is None:
            raise WeChatError(INVALID_CREDENTIAL)
        if now >= record.valid_until:
            raise WeChatError(record.error_when_invalid)

    def check_app_credentials(self, appid, secret):
        if appid != self.appid:
            raise WeChatError(INVALID_APPID)
        if secret != self.secret:
            raise WeChatError(INVALID_APPSECRET)


def create_sandbox_app(
    appid, secret, templates=(), token_overlap_seconds=DEFAULT_TOKEN_OVERLAP_SECONDS
) -> Flask:
    """The sandbox as a Flask app; `templates` are known from the start: template ids, or
    {template id: its keys} so sends are checked against each template's keys like WeChat does."""
    app = Flask(__name__)
    app.json.ensure_ascii = False
    known = templates.items() if isinstance(templates, dict) else ((template_id, None) for template_id in templates)
    state = SandboxState(appid, secret, tuple(known), token_overlap_seconds)
    app.extensions["wx_sandbox"] = state

    def wechat_endpoint(path, methods):
        """Route a WeChat endpoint: injected faults first, then WeChat's error answers."""

        def register(handler):
            def view():
                fault = _take_fault(state, path)
                if fault is not None and fault.kind == "delay":
                    # Sleep outside the lock so other calls go on meanwhile.
                    time.sleep(fault.seconds)
                elif fault is not None and fault.kind == "http500":
                    return _error_answer(SYSTEM_BUSY), 500
                elif fault is not None:
                    return _error_answer(SYSTEM_BUSY)
                try:
                    with state.lock:
                        answer = handler()
                        return answer if hasattr(answer, "status_code") else jsonify(answer)
                except WeChatError as error:
                    return _error_answer((error.errcode, error.errmsg))

            app.add_url_rule("/" + path, endpoint=path, view_func=view, methods=methods)
            return handler

        return register

    @wechat_endpoint(LOGIN_ENDPOINT, ["GET"])
    def code_to_session():
        state.stats["logins_attempted"] += 1
        state.check_app_credentials(request.args.get("appid"), request.args.get("secret"))
        if request.args.get("grant_type") != "authorization_code":
            raise WeChatError(INVALID_GRANT_TYPE)
        code = request.args.get("js_code")
        if not code:
            raise WeChatError(MISSING_CODE)
        login = state.login_codes.get(code)
        if login is None:
            raise WeChatError(INVALID_CODE)
        if login["used"]:
            raise WeChatError(CODE_BEEN_USED)
        login["used"] = True
        openid = login["openid"]
        session_key = state.session_keys.setdefault(
            openid, base64.b64encode(secrets.token_bytes(16)).decode()
        )
        if login["unionid"]:
            state.unionids[openid] = login["unionid"]
        state.stats["logins"] += 1
        answer = {"openid": openid, "session_key": session_key}
        if openid in state.unionids:
            answer["unionid"] = state.unionids[openid]
        return answer

    @wechat_endpoint(TOKEN_ENDPOINT, ["GET"])
    def access_token():
        if request.args.get("grant_type") != "client_credential":
            raise WeChatError(INVALID_GRANT_TYPE)
        state.check_app_credentials(request.args.get("appid"), request.args.get("secret"))
        now = time.time()
        state.supersede(state.current_token, now)
        state.current_token = state.mint_token(now)
        state.stats["token_fetches"] += 1
        return {"access_token": state.current_token, "expires_in": ACCESS_TOKEN_LIFETIME_SECONDS}

    @wechat_endpoint(STABLE_TOKEN_ENDPOINT, ["POST"])
    def stable_token():
        body = _json_body()
        if body.get("grant_type") != "client_credential":
            raise WeChatError(INVALID_GRANT_TYPE)
        state.check_app_credentials(body.get("appid"), body.get("secret"))
        now = time.time()
        # Stable tokens are kept apart from cgi-bin/token ones, as on WeChat.
        current = state.tokens.get(state.current_stable_token)
        if body.get("force_refresh") or current is None or now >= current.valid_until:
            state.supersede(state.current_stable_token, now)
            state.current_stable_token = state.mint_token(now)
        state.stats["stable_token_fetches"] += 1
        remaining = state.tokens[state.current_stable_token].valid_until - now
        return {"access_token": state.current_stable_token, "expires_in": int(remaining)}

    @wechat_endpoint(PHONE_ENDPOINT, ["POST"])
    def phone_number():
        state.check_access_token(request.args.get("access_token"), time.time())
        code = _json_body().get("code")
        if not code:
            raise WeChatError(MISSING_CODE)
        phone = state.phone_codes.pop(code, None)
        if phone is None:
            raise WeChatError(INVALID_CODE)
        state.stats["phone_lookups"] += 1
        return {
            "errcode": 0,
            "errmsg": "ok",
            "phone_info": {
                "phoneNumber": phone,
                "purePhoneNumber": phone,
                "countryCode": "86",
                "watermark": {"timestamp": int(time.time()), "appid": state.appid},
            },
        }

    @wechat_endpoint(SUBSCRIBE_SEND_ENDPOINT, ["POST"])
    def subscribe_send():
        state.check_access_token(request.args.get("access_token"), time.time())
        body = _json_body()
        openid = body.get("touser")
        template_id = body.get("template_id")
        if openid not in state.session_keys:
            raise WeChatError(INVALID_OPENID)
        if template_id not in state.templates:
            raise WeChatError(INVALID_TEMPLATE_ID)
        page = body.get("page")
        if page and not page.startswith("pages/"):
            raise WeChatError(INVALID_PAGE)
        _check_template_data(body.get("data"), state.templates[template_id])
        # Checked last: a send that fails for another reason does not spend the grant.
        if state.grants[(openid, template_id)] < 1:
            raise WeChatError(USER_REFUSED)
        state.grants[(openid, template_id)] -= 1
        msgid = 1_000_000 + len(state.messages)
        notification_id = body.get("linli_notification_id")
        state.messages.append({
            "msgid": msgid,
            "touser": openid,
            "template_id": template_id,
            "linli_notification_id": notification_id,
            "body": body,
        })
        if notification_id is not None:
            state.deliveries_by_notification_id[str(notification_id)] += 1
        state.stats["sends"] += 1
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    @wechat_endpoint(WXACODE_ENDPOINT, ["POST"])
    def unlimited_code():
        state.check_access_token(request.args.get("access_token"), time.time())
        body = _json_body()
        scene, page = body.get("scene"), body.get("page")
        if not isinstance(scene, str) or not SCENE.fullmatch(scene):
            raise WeChatError(INVALID_SCENE)
        if body.get("env_version", "release") not in ENV_VERSIONS:
            raise WeChatError(INVALID_ARGUMENT, "env_version")
        if page is not None and (not isinstance(page, str) or not page.startswith("pages/")):
            raise WeChatError(INVALID_PAGE)
        state.wxacodes.append({key: body.get(key) for key in ("scene", "page", "check_path", "env_version")})
        # A stand-in for WeChat's round code: an ordinary QR code of what the real one would open.
        image = io.BytesIO()
        segno.make(f"{page or ''}?scene={scene}", error="m").save(image, kind="png", scale=4)
        image.seek(0)
        return send_file(image, mimetype="image/png")

    @wechat_endpoint(TEMPLATE_LIST_ENDPOINT, ["GET"])
    def template_list():
        state.check_access_token(request.args.get("access_token"), time.time())
        return {"errcode": 0, "errmsg": "ok", "data": [
            {"priTmplId": template_id, "title": template_id, "type": 2,
             "content": "\n".join(f"{key}:{{{{{key}.DATA}}}}" for key in keys or ()), "example": ""}
            for template_id, keys in state.templates.items()
        ]}

    @wechat_endpoint(MEDIA_CHECK_ENDPOINT, ["POST"])
    def media_check_async():
        state.check_access_token(request.args.get("access_token"), time.time())
        body = _json_body()
        if body.get("version") != 2 or body.get("scene") not in CONTENT_SCENES or body.get("media_type") not in (1, 2):
            raise WeChatError(INVALID_ARGUMENT, "version 2, scene 1..4 and media_type 1 or 2 are required")
        if not body.get("openid"):
            raise WeChatError(INVALID_OPENID)
        if not body.get("media_url"):
            raise WeChatError(INVALID_ARGUMENT, "media_url is empty")
        trace_id = secrets.token_hex(12)
        # The verdict is not pushed by the sandbox: a test posts it to the app's push endpoint.
        state.media_checks.append({"trace_id": trace_id, **{key: body.get(key) for key in ("openid", "media_url")}})
        return {"errcode": 0, "errmsg": "ok", "trace_id": trace_id}

    @wechat_endpoint(MSG_SEC_CHECK_ENDPOINT, ["POST"])
    def msg_sec_check():
        state.check_access_token(request.args.get("access_token"), time.time())
        body = _json_body()
        if body.get("version") != 2 or body.get("scene") not in CONTENT_SCENES:
            raise WeChatError(INVALID_ARGUMENT, "version must be 2 and scene 1..4")
        # WeChat wants the openid of someone who used the mini-program lately; the sandbox
        # cannot know who did (tests make people without logging them in), so any will do.
        if not body.get("openid"):
            raise WeChatError(INVALID_OPENID)
        content = body.get("content")
        if not isinstance(content, str) or not content:
            raise WeChatError(INVALID_ARGUMENT, "content is empty")
        state.stats["text_checks"] += 1
        if SANDBOX_RISKY_WORD in content:
            suggest, label = "risky", RISKY_LABEL
        elif SANDBOX_REVIEW_WORD in content:
            suggest, label = "review", REVIEW_LABEL
        else:
            suggest, label = "pass", 100
        return {
            "errcode": 0, "errmsg": "ok", "trace_id": secrets.token_hex(12),
            "result": {"suggest": suggest, "label": label},
            "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label}],
        }

    _register_control_api(app, state)
    return app


def _register_control_api(app, state):
    """The /sandbox/ endpoints tests and the demo use to arrange and inspect the sandbox."""

    def control(rule, methods=("POST",)):
        def register(handler):
            def view():
                with state.lock:
                    return handler()

            app.add_url_rule(rule, endpoint=rule, view_func=view, methods=list(methods))
            return handler

        return register

    @control("/sandbox/codes")
    def mint_login_code():
        body = _json_body()
        openid = body.get("openid") or "o" + secrets.token_urlsafe(21)[:27]
        code = secrets.token_hex(16)
        state.login_codes[code] = {"openid": openid, "unionid": body.get("unionid"), "used": False}
        return {"code": code, "openid": openid}

    @control("/sandbox/phone-codes")
    def mint_phone_code():
        phone = _json_body().get("phone")
        if not phone:
            return {"error": "phone is required"}, 400
        code = secrets.token_hex(16)
        state.phone_codes[code] = phone
        return {"code": code}

    @control("/sandbox/templates")
    def add_template():
        body = _json_body()
        if not body.get("template_id"):
            return {"error": "template_id is required"}, 400
        state.templates[body["template_id"]] = body.get("keys")
        return {"template_id": body["template_id"], "keys": body.get("keys")}

    @control("/sandbox/grants")
    def add_grants():
        body = _json_body()
        if not body.get("openid") or not body.get("template_id"):
            return {"error": "openid and template_id are required"}, 400
        key = (body["openid"], body["template_id"])
        state.grants[key] += int(body.get("count", 1))
        return {"openid": key[0], "template_id": key[1], "remaining": state.grants[key]}

    @control("/sandbox/faults")
    def add_fault():
        body = _json_body()
        endpoint = body.get("endpoint", "").strip("/")
        if endpoint not in WECHAT_ENDPOINTS or body.get("kind") not in FAULT_KINDS:
            return {"error": "unknown endpoint or kind", "endpoints": WECHAT_ENDPOINTS,
                    "kinds": FAULT_KINDS}, 400
        fault = _Fault(kind=body["kind"], seconds=float(body.get("seconds", 1)))
        state.faults[endpoint].extend([fault] * int(body.get("times", 1)))
        return {"endpoint": endpoint, "pending": len(state.faults[endpoint])}

    @control("/sandbox/expire-tokens")
    def expire_tokens():
        now = time.time()
        for token in state.tokens.values():
            token.valid_until = min(token.valid_until, now)
        return {"expired": len(state.tokens)}

    @control("/sandbox/messages", methods=("GET",))
    def delivered_messages():
        return {
            "messages": state.messages,
            "deliveries_by_notification_id": state.deliveries_by_notification_id,
        }

    @control("/sandbox/media-checks", methods=("GET",))
    def media_checks():
        return {"media_checks": state.media_checks}

    @control("/sandbox/wxacodes", methods=("GET",))
    def made_codes():
        return {"wxacodes": state.wxacodes}

    @control("/sandbox/session-keys", methods=("GET",))
    def issued_session_keys():
        return {"session_keys": state.session_keys}

    @control("/sandbox/stats", methods=("GET",))
    def stats():
        counters = ("token_fetches", "stable_token_fetches", "sends", "logins",
                    "logins_attempted", "phone_lookups", "faults_served", "text_checks")
        return {name: state.stats[name] for name in counters}

    @control("/sandbox/reset")
    def reset():
        state.reset()
        return {"reset": True}


def _take_fault(state, endpoint):
    with state.lock:
        pending = state.faults[endpoint]
        if not pending:
            return None
        state.stats["faults_served"] += 1
        return pending.popleft()


def _error_answer(error):
    errcode, errmsg = error
    # WeChat appends a request id to every error message; callers must match codes, not text.
    return jsonify({"errcode": errcode, "errmsg": f"{errmsg}, rid: {secrets.token_hex(8)}"})


def _json_body():
    # wechatpy posts JSON without a JSON content type.
    body = request.get_json(force=True, silent=True)
    return body if isinstance(body, dict) else {}


def _check_template_data(data, template_keys):
    """Raise 47003 unless every value is a `{value}` within WeChat's rules for its key's type and,
    once the template's keys are known, the data fills exactly those keys."""
    if not isinstance(data, dict) or not data:
        raise WeChatError(INVALID_TEMPLATE_DATA, "data is empty")
    for key in template_keys or ():
        if key not in data:
            raise WeChatError(INVALID_TEMPLATE_DATA, f"data.{key}.value is empty")
    for key, item in data.items():
        if template_keys is not None and key not in template_keys:
            raise WeChatError(INVALID_TEMPLATE_DATA, f"data.{key} is not a key of the template")
        value = item.get("value") if isinstance(item, dict) else None
        problem = value_problem(key, value)
        if problem is not None:
            raise WeChatError(INVALID_TEMPLATE_DATA, f"data.{key}.value {problem}")


def make_sandbox_server(host, port, appid, secret, templates=()) -> BaseWSGIServer:
    """A threaded werkzeug server for the sandbox; port 0 picks a free port."""
    return make_server(host, port, create_sandbox_app(appid, secret, templates), threaded=True)


def run_sandbox(host, port, appid, secret, templates=()):
    """Serve the sandbox until interrupted."""
    make_sandbox_server(host, port, appid, secret, templates).serve_forever()
