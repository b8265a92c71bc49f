"""A lighter request path for machine clients. The API (/api/, authenticated by an account's key) and webhooks
(/hooks/, authenticated by a signature) use no session, messages, signed-in user, htmx or current account, so
the middleware that provides those is wrapped in `pages_only`: it runs for pages and is passed by for those
paths. Everything else (the NUL check, the organization by host, security headers) still runs, and they carry
the same Content-Security-Policy as pages, built once per process instead of per answer (`CSPMiddleware`). CSRF stays
as it is (`check --deploy` looks for it by name): the API's views are exempt, so for them it only looks for a
cookie they do not send."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.module_loading import import_string

LIGHT_PREFIXES = ("/api/", "/hooks/")


def is_light(request) -> bool:
    return request.path_info.startswith(LIGHT_PREFIXES)


def body_over_limit(request, limit: int) -> bool:
    """Whether the request's body is larger than `limit` bytes: its declared length first (nothing is read), then
    the bytes read (Django's own DATA_UPLOAD_MAX_MEMORY_SIZE refusal counts as too large)."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return True
    try:
        return len(request.body) > limit
    except RequestDataTooBig:
        return True


def pages_only(dotted_path: str) -> type:
    """A middleware class that runs `dotted_path`'s middleware (and its process_view, process_exception and
    process_template_response hooks) for pages only."""

    class PagesOnly:
        def __init__(self, get_response):
            self.get_response = get_response
            self.inner = import_string(dotted_path)(get_response)  # imported here: no import cycle at start-up
            view_hook = getattr(self.inner, "process_view", None)
            exception_hook = getattr(self.inner, "process_exception", None)
            template_hook = getattr(self.inner, "process_template_response", None)
            if view_hook is not None:
                self.process_view = lambda request, *args: None if is_light(request) else view_hook(request, *args)
            if exception_hook is not None:
                self.process_exception = (
                    lambda request, exception: None if is_light(request) else exception_hook(request, exception)
                )
            if template_hook is not None:
                self.process_template_response = (
                    lambda request, response: response if is_light(request) else template_hook(request, response)
                )

        def __call__(self, request):
            if is_light(request):
                return self.get_response(request)
            return self.inner(request)

    PagesOnly.__name__ = PagesOnly.__qualname__ = f"PagesOnly{dotted_path.rsplit('.', 1)[1]}"
    return PagesOnly


# The page-only middleware, referred to from MIDDLEWARE by these names.
SessionMiddleware = pages_only("django.contrib.sessions.middleware.SessionMiddleware")
AuthenticationMiddleware = pages_only("django.contrib.auth.middleware.AuthenticationMiddleware")
OTPMiddleware = pages_only("django_otp.middleware.OTPMiddleware")
MessageMiddleware = pages_only("django.contrib.messages.middleware.MessageMiddleware")
HtmxMiddleware = pages_only("django_htmx.middleware.HtmxMiddleware")
OrganizationMemberMiddleware = pages_only("accounts.middleware.OrganizationMemberMiddleware")
CurrentAccountMiddleware = pages_only("accounts.middleware.CurrentAccountMiddleware")
TwoFactorRequiredMiddleware = pages_only("accounts.tenancy.middleware.TwoFactorRequiredMiddleware")


class CSPMiddleware:
    """django-csp's middleware for pages (per-view policies, nonces); the API's and webhooks' answers get the
    site's policy as it stands in the settings, built once (django-csp builds it twice per answer)."""

    def __init__(self, get_response):
        from csp.middleware import CSPMiddleware as PageCSPMiddleware
        from csp.utils import build_policy

        self.get_response = get_response
        self.pages = PageCSPMiddleware(get_response)
        self.headers = {"Content-Security-Policy": build_policy()}
        if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None):
            self.headers["Content-Security-Policy-Report-Only"] = build_policy(report_only=True)

    def __call__(self, request):
        if not is_light(request):
            return self.pages(request)
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.setdefault(name, value)
        return response
