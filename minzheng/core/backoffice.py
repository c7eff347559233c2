"""Helpers for custom pages rendered inside the back-office shell."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from minzheng.accounts.roles import has_capability


def staff_page(capability: str):
    """Login first (redirect to the back-office login), then the role must have `capability`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated or not request.user.is_staff:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def render_page(request, template: str, context: dict, *, title: str, status: int = 200):
    """Render a custom page with the admin site's context (sidebar, branding, user menu)."""
    full = {**admin.site.each_context(request), "title": title, **context}
    return render(request, template, full, status=status)
