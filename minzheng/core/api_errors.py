"""The API's one error format: {"error": {"code", "message", "fields"}} (INTERFACES.md).

Services raise Django's `ValidationError` (with a message per field) and `PermissionDenied`;
selectors raise `Http404`. The handler turns them, and DRF's own exceptions, into

    {"error": {"code": "invalid", "message": "提交的数据有误：…", "fields": {"id_number": ["…"]}}}

with the matching 4xx status. Messages are Chinese by default.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

_MESSAGES = {
    "not_found": "未找到该记录",
    "permission_denied": "您没有执行该操作的权限",
    "not_authenticated": "请先登录或提供有效的令牌",
    "authentication_failed": "身份验证失败",
    "invalid": "提交的数据有误",
    "parse_error": "请求内容格式不正确",
    "method_not_allowed": "不支持该请求方法",
    "not_acceptable": "无法按请求的格式返回结果",
    "unsupported_media_type": "不支持该请求内容类型",
    "throttled": "请求过于频繁，请稍后再试",
}


def _flatten(detail) -> list[str]:
    if isinstance(detail, list | tuple):
        out: list[str] = []
        for item in detail:
            out.extend(_flatten(item))
        return out
    if isinstance(detail, dict):
        out = []
        for value in detail.values():
            out.extend(_flatten(value))
        return out
    return [str(detail)]


def _field_name(key: str) -> str:
    return api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key


def _from_django(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = {_field_name(key): value for key, value in exc.message_dict.items()}
        else:
            fields = {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
        return exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        return exceptions.NotFound()  # never echo the lookup: existence is not revealed
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if not isinstance(exc, exceptions.APIException) and isinstance(getattr(exc, "status_code", None), int):
        # A service's own error that names its HTTP status, e.g. workflow.engine.Conflict (409).
        error = exceptions.APIException(str(exc) or None, code=getattr(exc, "code", "error"))
        error.status_code = exc.status_code
        error.default_code = getattr(exc, "code", "error")
        return error
    return exc


def exception_handler(exc, context):
    exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = (
            exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        )
        fields = {key: _flatten(value) for key, value in detail.items()}
        message = _MESSAGES["invalid"]
        first = next(iter(fields.values()), [])
        if first:
            message = f"{message}：{first[0]}"
    else:
        detail = getattr(exc, "detail", "")
        message = _MESSAGES.get(code) or (str(detail) if detail else _("请求出错"))
        if (
            isinstance(exc, exceptions.PermissionDenied)
            and str(detail)
            and str(detail) != str(exc.default_detail)
        ):
            message = str(detail)
    response.data = {"error": {"code": code, "message": message, "fields": fields}}
    return response


@contextmanager
def renamed_fields(**names: str) -> Iterator[None]:
    """Re-raise a service's ValidationError with its field names as the API calls them.

    `with renamed_fields(person="head"): create_household(...)` reports a problem the service
    files under "person" under the request's field "head".
    """
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise DjangoValidationError(
            {names.get(key, key): value for key, value in exc.message_dict.items()}
        ) from exc


# --- OpenAPI description of the error format -------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器可读的错误代码，如 invalid、not_found、permission_denied")
    message = serializers.CharField(help_text="给人看的说明（默认中文）")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="按字段列出的错误信息；non_field_errors 为不属于某个字段的错误",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_STATUS_TEXT = {
    400: "提交的数据有误（fields 中按字段列出）",
    401: "未登录或令牌无效",
    403: "角色没有该操作的权限",
    404: "记录不存在或不在您的管辖范围内",
    405: "不支持该请求方法",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`extend_schema(responses={200: X, **error_responses(400, 403, 404)})`."""
    return {
        status: OpenApiResponse(ErrorSerializer, description=_STATUS_TEXT.get(status, ""))
        for status in statuses
    }
