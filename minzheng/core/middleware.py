"""Keeps the current request's client address available to the audit trail."""

from .audit import request_ip


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            request_ip.reset(token)


def client_ip(request) -> str | None:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None
