"""Configuration read from the environment when the app is built, never at import time."""
import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from wx.templates import LANGUAGES, MINIPROGRAM_STATES, TemplateMappingError, parse_mappings

SANDBOX_APPID = "wx-sandbox-appid"
SANDBOX_SECRET = "wx-sandbox-secret"  # noqa: S105  # the local sandbox's public stand-in, no real credential
DEFAULT_SANDBOX_BASE = "http://127.0.0.1:8750/"
SANDBOX_PUSH_TOKEN = "linliSandboxPush"  # noqa: S105  # the development setup's stand-in, no real credential
# Every event a person hears about, with its subscribe-message template title and a short
# status phrase; each event's template id comes from WECHAT_TEMPLATE_<EVENT>.
NOTIFICATION_EVENTS = {
    "request_offered": ("服务需求接单提醒", "待接单"),
    "request_accepted": ("服务需求已接单通知", "已接单"),
    "request_completed": ("服务完成通知", "已完成"),
    "request_confirmed": ("服务确认通知", "已确认"),
    "request_rejected": ("服务退回通知", "被退回"),
    "request_escalated": ("服务需求转派提醒", "待派单"),
    "request_overdue": ("服务需求超时提醒", "已超时"),
    "registration_approved": ("报到审核结果通知", "已通过"),
    "registration_rejected": ("报到审核结果通知", "未通过"),
    "message_received": ("新留言提醒", "新留言"),
    "checkin_confirmed": ("服务时长确认通知", "已确认"),
    "checkin_flagged": ("签到核实提醒", "待核实"),
    "request_cancelled": ("服务需求取消通知", "已取消"),
    "request_reassigned": ("服务需求改派通知", "已改派"),
    "request_question": ("服务需求补充信息提醒", "待补充"),
    "request_answered": ("居民答复提醒", "已答复"),
    "contact_reported": ("留言举报提醒", "待处理"),
    "hour_correction_answered": ("服务时长更正结果通知", "已处理"),
    "contact_report_handled": ("留言举报处理结果通知", "已处理"),
    "resolution_due_soon": ("决议事项到期提醒", "即将到期"),
    "resolution_overdue": ("决议事项逾期提醒", "已逾期"),
    "term_ending": ("任期届满提醒", "即将届满"),
    "disbursement_requested": ("基金支出审批提醒", "待审批"),
    "disbursement_decided": ("基金支出审批结果通知", "已处理"),
    "visit_assigned": ("走访任务通知", "新任务"),
    "visit_overdue": ("走访逾期提醒", "已逾期"),
    "visit_confirmed": ("走访时长确认通知", "已确认"),
    "activity_promoted": ("活动候补转正通知", "已确认"),
    "activity_reminder": ("活动开始提醒", "即将开始"),
    "evaluation_meeting_scheduled": ("述职大会安排通知", "已安排"),
    "evaluation_meeting_reminder": ("述职大会提醒", "明天召开"),
    "request_routed": ("服务需求转交机构通知", "待受理"),
    "offer_pending": ("服务资源审核提醒", "待审核"),
    "offer_decided": ("服务资源审核结果通知", "已处理"),
}


# Service rules an operator may tune, read from environment variables of the same name.
TUNABLES = {
    "QR_WINDOW_SECONDS": 180,
    "CHECKIN_MAX_MINUTES": 8 * 60,
    "CHECKIN_MAX_SPEED_KMH": 120,
    "CHECKIN_DEVICE_OTHER_MEMBERS": 1,
    "CHECKIN_EDGE_RATIO": 0.9,
    "MATCH_OFFER_SIZE": 3,
    "MATCH_OFFER_WINDOW_SECONDS": 600,
    "MATCH_ROUNDS": 3,
    "MATCH_DISTANCE_LIMIT_M": 3000,
    "MEMBER_OPEN_TASK_CAP": 3,
    "REQUEST_SLA_MINUTES": 120,
    "REQUEST_SLA_URGENT_MINUTES": 30,
    "CONTACT_MESSAGES_PER_MINUTE": 20,
    "CONTACT_THREADS_PER_DAY": 10,
    # Per person and UTC day (services/limits.py): each request runs matching and notifications.
    "REQUESTS_PER_DAY": 10,
    "REGISTRATIONS_PER_DAY": 3,
    "QUESTIONS_PER_DAY": 30,
    "GRANTS_PER_DAY": 100,
    "HOUR_CORRECTIONS_PER_DAY": 10,
    # A person moves their own home (PATCH /me) at most once in this many days.
    "HOME_CHANGE_INTERVAL_DAYS": 30,
    "CHECKIN_POSITION_RETENTION_DAYS": 90,
    # A message the outbox is done with is deleted this long after it was written (about 13 months).
    "NOTIFICATION_RETENTION_DAYS": 400,
    # A coordination body's resolution: its owner unit and the body's staff are reminded this many days
    # before it is due.
    "RESOLUTION_REMINDER_DAYS": 3,
    # Activities: how long before the start the reminder goes out, and how early check-in opens.
    "ACTIVITY_REMINDER_MINUTES": 120,
    "ACTIVITY_CHECKIN_EARLY_MINUTES": 30,
    # 述职评议: a sector with fewer ballots shows counts but no means (a mean of one or two ballots
    # tells how those people voted); the most codes one round hands out; ballots an address may cast
    # per minute (a meeting hall shares one address); the largest report file or evidence photo.
    "EVALUATION_MIN_BALLOTS": 3,
    "EVALUATION_CODES_PER_ROUND": 2000,
    "BALLOTS_PER_MINUTE": 60,
    "EVALUATION_MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    # 社会化服务: residents see the offers whose place lies within this distance of their home.
    "OFFER_NEAR_RADIUS_M": 3000,
    # Outbox rows per delivery job: one commit marks them before their sends, one records the answers.
    # A worker killed mid-batch leaves that many rows at most closed as interrupted (README).
    "NOTIFY_BATCH_SIZE": 20,
}


def _int(env, name, default):
    return int(env.get(name, default))


class ConfigurationError(RuntimeError):
    """The environment describes a setup Linli refuses to run (said in Chinese and English)."""


def from_environment(instance_path: str, env=None) -> dict:
    """The settings for one app, with a working development setup when nothing is set.

    The development setup is the sandbox WeChat on the default SQLite file. Anything else is
    a deployment: it must bring its own SECRET_KEY (every web process has to sign QR codes
    with the same key), and the sandbox, which mints login codes for any openid, runs
    against another database only when WECHAT_SANDBOX=1 asks for it.
    """
    env = os.environ if env is None else env
    appid = env.get("WECHAT_APPID", "")
    sandbox = not appid
    default_database = not env.get("DATABASE_URL")
    database_url = env.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'linli.db'}"
    _refuse_unsafe_setup(env, sandbox, default_database)
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgres://")
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    return {
        "SECRET_KEY": env.get("SECRET_KEY") or _development_secret(instance_path),
        "DEVELOPMENT_SETUP": sandbox and default_database,
        "DEMO_REQUESTED": env.get("LINLI_DEMO") == "1",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": env.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "WECHAT_SANDBOX": sandbox,
        "WECHAT_APPID": appid or SANDBOX_APPID,
        "WECHAT_SECRET": env.get("WECHAT_SECRET", SANDBOX_SECRET if sandbox else ""),
        "WECHAT_API_BASE": env.get(
            "WECHAT_API_BASE", DEFAULT_SANDBOX_BASE if sandbox else "https://api.weixin.qq.com/"
        ),
        "WECHAT_TIMEOUT": float(env.get("WECHAT_TIMEOUT", "5")),
        "WECHAT_TEMPLATES": _templates(env, sandbox),
        # Which of Linli's fields fills which key of each event's template (wx/templates.py).
        "WECHAT_TEMPLATE_KEYS": _template_keys(env),
        "WECHAT_MINIPROGRAM_STATE": _one_of(
            env, "WECHAT_MINIPROGRAM_STATE", "developer" if sandbox else "formal", MINIPROGRAM_STATES
        ),
        "WECHAT_LANG": _one_of(env, "WECHAT_LANG", "zh_CN", LANGUAGES),
        # Message push (消息推送): the token set in the mini-program console (none: /wx/push refuses
        # everything) and, in safe mode, its EncodingAESKey (then only encrypted messages are taken).
        "WECHAT_PUSH_TOKEN": env.get("WECHAT_PUSH_TOKEN", SANDBOX_PUSH_TOKEN if sandbox else ""),
        "WECHAT_PUSH_AES_KEY": env.get("WECHAT_PUSH_AES_KEY", ""),
        # When WeChat's content check cannot be reached: "review" holds the text for staff,
        # "refuse" answers 503; a text is never published unchecked.
        "WECHAT_CONTENT_CHECK_UNREACHABLE": _one_of(
            env, "WECHAT_CONTENT_CHECK_UNREACHABLE", "review", ("review", "refuse")
        ),
        "TOKEN_TTL_SECONDS": _int(env, "TOKEN_TTL_SECONDS", 7 * 24 * 3600),
        "DESK_TOKEN_TTL_SECONDS": _int(env, "DESK_TOKEN_TTL_SECONDS", 12 * 3600),
        "DESK_TOKEN_IDLE_SECONDS": _int(env, "DESK_TOKEN_IDLE_SECONDS", 30 * 60),
        # How many proxies (load balancers) in front of the app append to X-Forwarded-For;
        # 0 trusts none, so a client cannot pick its own address for the rate limits.
        "PROXY_HOPS": _int(env, "PROXY_HOPS", 0),
        "DESK_LOGIN_MAX_FAILURES": _int(env, "DESK_LOGIN_MAX_FAILURES", 5),
        "DESK_LOGIN_LOCKOUT_SECONDS": _int(env, "DESK_LOGIN_LOCKOUT_SECONDS", 15 * 60),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or env.get("REDIS_URL", "memory://"),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "IDEMPOTENCY_KEY_TTL_SECONDS": _int(env, "IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600),
        # When Redis is unreachable each process keeps counting the rate limits in memory
        # (looser by the number of processes) and returns to Redis when it answers again.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "LOCAL_TIMEZONE": _zone(env.get("LOCAL_TIMEZONE", "Asia/Shanghai")),
        **{name: type(default)(env.get(name, default)) for name, default in TUNABLES.items()},
    }


def _one_of(env, name: str, default: str, allowed: tuple) -> str:
    value = env.get(name, default)
    if value not in allowed:
        raise ConfigurationError(f"{name} 只能是 {' / '.join(allowed)} 之一 ({name} must be one of {allowed})")
    return value


def _zone(name: str) -> str:
    """An IANA zone name, checked when the app is built (an unknown zone fails at start, not in a job)."""
    ZoneInfo(name)
    return name


def _templates(env, sandbox: bool) -> dict:
    """Template id per event; the sandbox gets "tpl-<event>" for each one not set, so the demo works."""
    templates = {
        key.removeprefix("WECHAT_TEMPLATE_").lower(): value
        for key, value in env.items()
        if key.startswith("WECHAT_TEMPLATE_")
    }
    if sandbox:
        for event in NOTIFICATION_EVENTS:
            templates.setdefault(event, f"tpl-{event}")
    return templates


def _template_keys(env) -> dict:
    """Event → {template key: Linli field}, from WECHAT_SUBSCRIBE_KEYS (JSON); refuses to start on a
    key of a type its field cannot fill, or two events sharing a template with different keys."""
    try:
        mappings = parse_mappings(env.get("WECHAT_SUBSCRIBE_KEYS", ""), NOTIFICATION_EVENTS)
    except TemplateMappingError as error:
        raise ConfigurationError(f"订阅消息模板字段配置有误 (WECHAT_SUBSCRIBE_KEYS): {error}") from error
    keys_by_template = {}
    for event, template_id in _templates(env, sandbox=False).items():
        keys = set(mappings.get(event, ()))
        if keys_by_template.setdefault(template_id, keys) != keys:
            raise ConfigurationError(
                f"模板 {template_id} 被多个事件使用但字段不同 (template {template_id} is mapped to different keys)"
            )
    return mappings


def _refuse_unsafe_setup(env, sandbox: bool, default_database: bool) -> None:
    development = sandbox and default_database
    if not development and not env.get("SECRET_KEY"):
        raise ConfigurationError(
            "SECRET_KEY 未设置：正式部署（配置了 WECHAT_APPID 或 DATABASE_URL）必须在环境变量中提供同一个 SECRET_KEY。"
            " SECRET_KEY must be set outside the development setup, the same on every host."
        )
    if sandbox and not default_database and env.get("WECHAT_SANDBOX") != "1":
        raise ConfigurationError(
            "未设置 WECHAT_APPID 时使用的是本地微信沙箱，它可为任意 openid 签发登录凭证，"
            "不能用于 DATABASE_URL 指定的数据库；确需如此请设置 WECHAT_SANDBOX=1。"
            " The WeChat sandbox runs only on the default SQLite unless WECHAT_SANDBOX=1."
        )


def _development_secret(instance_path: str) -> str:
    """A per-installation random key kept in the instance folder, so tokens survive restarts.

    Written to a private temporary file and linked into place, so a concurrent start never
    reads a half-written key and the key is never readable by others, even for an instant.
    """
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):  # another process got there first: keep theirs
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
