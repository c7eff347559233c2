"""What management commands share: who they act as (the audit trail needs an actor) and how a
service's refusal is printed."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from minzheng.accounts.models import User


def acting_user(username: str | None) -> User:
    """The named active user, or the first active superuser."""
    if username:
        user = User.objects.filter(username=username, is_active=True).select_related("scope").first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在或已停用")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
    if user is None:
        raise CommandError("没有可用的系统管理员：请用 --user 指定以哪个用户的身份操作")
    return user


def error_text(exc: Exception) -> str:
    """A service's refusal as one line."""
    return "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
