"""Domain errors: services raise these; the HTTP layer turns them into the error envelope."""


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    message = "请求无效"

    def __init__(self, message: str | None = None, code: str | None = None, fields=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.code = code or self.code
        self.fields = fields


class Invalid(ServiceError):
    status = 422
    code = "validation_error"
    message = "提交的数据无效"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"
    message = "请先登录"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    message = "没有权限执行此操作"


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    message = "对象不存在"


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    message = "状态冲突"


class TooManyRequests(ServiceError):
    status = 429
    code = "rate_limited"
    message = "操作过于频繁，请稍后再试"

    def __init__(self, retry_after: int, message: str | None = None, code: str | None = None):
        super().__init__(message, code)
        self.retry_after = retry_after


class Unavailable(ServiceError):
    status = 503
    code = "service_unavailable"
    message = "依赖的服务暂时不可用，请稍后再试"
