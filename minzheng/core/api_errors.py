"""The API's one error format: {"error": {"code", "message", "fields"}} (INTERFACES.md)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

_MESSAGES = {
    "not_found": "未找到该记录",
    "permission_denied": "您没有执行该操作的权限",
    "not_authenticated": "请先登录或提供有效的令牌",
    "authentication_failed": "身份验证失败",
    "invalid": "提交的数据有误",
    "method_not_allowed": "不支持该请求方法",
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


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = getattr(exc, "default_code", "error")
    fields: dict[str, list[str]] = {}
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
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
