"""The webhook door: POST /hooks/<channel token>/orders on the organization's address.

`WebhookMiddleware` answers these requests itself, right after the organization is chosen by host and the
security middleware: no session, CSRF, user, messages or two-factor work, since a channel signs its deliveries
instead (intake/services/webhooks.py verifies and keeps them). The same view is in intake/urls.py, so the
address can be reversed; the middleware only makes the path light.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from intake.services import webhook_receive
from oms.light import body_over_limit

HOOK_PATH = re.compile(r"^/hooks/([^/]*)/orders/?$")


def _answer(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@csrf_exempt
def webhook_orders(request, hook_token: str):
    """A channel's order webhook (Shopify-style: X-Shopify-Hmac-Sha256, X-Shopify-Webhook-Id)."""
    if connection.schema_name == "public":
        return _answer(404, "not_found", "No channel has this webhook address.")
    if request.method != "POST":
        response = _answer(405, "method_not_allowed", f"{request.method} is not allowed here; use POST.")
        response["Allow"] = "POST"
        return response
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    if body_over_limit(request, limit):
        return _answer(413, "body_too_large", f"The body is larger than {limit:,} bytes.")
    answer = webhook_receive(
        token=hook_token, body=request.body, signature=request.headers.get("X-Shopify-Hmac-Sha256", ""),
        webhook_id=request.headers.get("X-Shopify-Webhook-Id", ""), topic=request.headers.get("X-Shopify-Topic", ""),
        version=getattr(request, "lookups_version", None),
    )
    return _answer(answer.status, answer.code, answer.message)


class WebhookMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/hooks/"):
            return self.get_response(request)
        match = HOOK_PATH.match(request.path_info)
        if match is None:
            return _answer(404, "not_found", "No channel has this webhook address.")
        return webhook_orders(request, match.group(1))
