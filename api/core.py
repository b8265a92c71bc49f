"""The public JSON API (django-ninja), mounted at /api/v1/ on each organization's host.

- Auth (api/auth.py): the account's API key in `X-Api-Key` or `Authorization: Bearer`; `request.auth` is the
  Account. Rate limit per key (api/ratelimit.py); `Idempotency-Key` on writes (api/idempotency.py).
- Every answer is JSON, errors in one shape (api/errors.py): {"code", "message", "field", "errors": [...]}.
  Ninja's own failures are turned into it here: wrong types or missing fields 422 (in words, api/schema_errors.py;
  the refused body of an intake endpoint is kept as an intake failure, as intake keeps the ones it refuses), malformed JSON 400
  `invalid_json`, a body over API_MAX_BODY_BYTES 413 (checked on Content-Length and on the body read, before
  parsing or authenticating), an unknown path under /api/v1/ 404, a wrong method 405, and anything unexpected a
  logged JSON 500. Besides that kept failure, none of these writes anything.
- A URL (path and query) over API_MAX_URL_BYTES is a 414, before authenticating.
- Text that PostgreSQL cannot store (NUL characters, lone surrogates) and JSON numbers it cannot hold (NaN,
  Infinity, 1e400) are refused while parsing, so they never reach a service.
- OpenAPI at /api/v1/openapi.json, Swagger UI at /api/v1/docs (served from ninja's own static files).

Endpoint modules import their helpers from api.errors / api.idempotency (not from here: this module imports
the routers, so importing it from a router would be circular).
"""

from __future__ import annotations

import json
import logging
import math
import re
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.urls import re_path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from accounts.models import Account
from api.auth import api_key_auth
from api.errors import ApiError, error, error_body, problems_body, problems_response  # noqa: F401 (re-exported)
from api.idempotency import REPLAY_HEADER
from accounts.tenancy.lockout import client_address
from api.ratelimit import RateLimited, bad_key_count
from api.schema_errors import in_body, schema_problems
from intake.models import Document, Source
from intake.services import failure_record_unparsed
from intake.validation import Problem
from oms.exceptions import DomainError
from oms.light import body_over_limit

logger = logging.getLogger(__name__)

DESCRIPTION = """
The Order Management System's API for one account: sales orders (create one or up to 100 at once, list, get,
cancel, clone),
purchase orders, shipments and receipts, inventory levels and adjustments.

**Authentication.** Send the account's API key in the `X-Api-Key` header (or `Authorization: Bearer <key>`),
to the organization's own host (`https://<organization>.<domain>/api/v1/`). A key reaches only its account.

**Errors** are JSON: `{"code": "unknown_sku", "message": "...", "field": "lines[0].sku", "errors": [...]}`;
`errors` lists every problem.

**Idempotency.** Writes accept an `Idempotency-Key` header: a retry with the same key and body returns the
first answer (with `Idempotent-Replayed: true`) and creates nothing; the same key with another body is refused.

**Limits.** Requests per key and minute are limited (429 with `Retry-After`), and so are requests with a wrong or
missing key per client address and minute (429 with `Retry-After`, whatever key is then sent); bodies are limited
in size (413), and so are URLs, path and query together (414).

**Money** in answers is a decimal string with two decimals (`"12.50"`), never a JSON number; amounts sent may be
numbers or strings.
"""


class JsonParser(Parser):
    """JSON bodies as sent, refusing what the database could not store; the parsed body is kept on the request
    (`request.json_body`) for services that take the payload as given (intake stores it when rejecting)."""

    def parse_body(self, request):
        try:
            data = json.loads(request.body, parse_constant=_no_constant, parse_float=_finite_float)
        except (ValueError, RecursionError) as exc:
            detail = f" ({exc.msg} at line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise ApiError(400, "invalid_json", f"The body is not valid JSON{detail}.") from None
        # Raw NULs and surrogates are refused by the decoder (control character, invalid UTF-8): only a \u escape
        # can put one in a string, so a body without one needs no walk (a bulk body has thousands of strings).
        where = _unstorable_text(data) if b"\\u" in request.body else None
        if where is not None:
            raise ApiError(
                422, "invalid_characters", "Text may not contain NUL characters or unpaired surrogates.",
                field=where or None,
            )
        request.json_body = data
        return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable_text(data) -> str | None:
    """The path of the first string (key or value) PostgreSQL cannot store, else None. Iterative: a deeply
    nested body cannot exhaust the stack here."""
    stack = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                return path
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if _UNSTORABLE.search(key):
                    return child
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


class OmsApi(NinjaAPI):
    """NinjaAPI whose every URL answers JSON: a catch-all 404 and JSON 405s for wrong methods."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if hasattr(pattern, "callback"):
                pattern.callback = _json_only(pattern.callback)
        urls.append(re_path(r"^.*$", _json_only(_not_found), name="api-not-found"))
        return urls


def _json(status: int, body: dict) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type="application/json; charset=utf-8")


def _not_found(request, *args, **kwargs):
    return _json(404, error_body("not_found", f"There is no API endpoint at {request.path}."))


def _json_only(view):
    """An over-long URL (before anything else), a wrong method (ninja answers a bare 405) or the API root (ninja
    raises Http404) as JSON too."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        limit = settings.API_MAX_URL_BYTES
        if len(request.get_full_path()) > limit:
            return _json(414, error_body(
                "uri_too_long", f"The URL is longer than {limit:,} bytes; send fewer or shorter query parameters.",
            ))
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return _not_found(request)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = _json(405, error_body("method_not_allowed", f"{request.method} is not allowed here; use {allowed}."))
            response["Allow"] = allowed
        return response

    checked.csrf_exempt = True
    return checked


api = OmsApi(
    title="OMS API",
    version="1",
    description=DESCRIPTION.strip(),
    urls_namespace="api",
    auth=api_key_auth,
    parser=JsonParser(),
)


def _body_limit(run):
    """Before anything else: refuse a body over API_MAX_BODY_BYTES (declared length, then the bytes read).
    After: mark a replayed idempotent answer."""

    @wraps(run)
    def limited(request, *args, **kwargs):
        limit = settings.API_MAX_BODY_BYTES
        if body_over_limit(request, limit):
            return _json(413, error_body("body_too_large", f"The request body is larger than {limit:,} bytes."))
        response = run(request, *args, **kwargs)
        if getattr(request, "idempotent_replayed", False):
            response[REPLAY_HEADER] = "true"
        return response

    return limited


api.add_decorator(_body_limit, mode="view")


# Errors -------------------------------------------------------------------------------------------------------


# Endpoints whose refused bodies intake keeps as failures, even when the schema refuses them: operation -> document.
KEPT_WHEN_REFUSED = {
    "order_create": Document.SALES_ORDER,
    "purchase_order_create": Document.PURCHASE_ORDER,
    "shipment_create": Document.SHIPMENT,
    "receipt_create": Document.RECEIPT,
}


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    """422 with every problem in words; a body an intake endpoint refused this way is kept on the Intake page
    (it got here authenticated, rate-limited and within the size limit). Nothing is kept for a success."""
    problems = schema_problems(exc.errors)
    body = problems_body(problems)
    document, failure = _keep_refused(request, exc.errors, problems)
    if failure is not None and document != Document.SALES_ORDER:
        body["failure_id"] = failure.pk  # as the documents' other refusals give it
    return api.create_response(request, body, status=422)


def _keep_refused(request, errors, problems):
    """(document, the kept failure) for a refused intake body; (None, None) when there is nothing to keep."""
    match = getattr(request, "resolver_match", None)
    document = KEPT_WHEN_REFUSED.get(getattr(match, "url_name", None))
    body = getattr(request, "json_body", None)
    account = getattr(request, "auth", None)
    if document is None or not isinstance(account, Account) or not isinstance(body, dict) or not in_body(errors):
        return None, None
    return document, failure_record_unparsed(
        account=account, source=Source.API, document=document, payload=body,
        problems=[Problem(p["code"], p["field"] or "", p["message"]) for p in problems],
    )


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    return api.create_response(request, exc.body, status=exc.status)


@api.exception_handler(RateLimited)
def _rate_limited(request, exc: RateLimited):
    response = api.create_response(request, error_body("rate_limited", exc.message), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    bad_key_count(address=client_address(request))
    response = api.create_response(request, error_body(
        "unauthorized", "Send a valid API key of an account of this organization in the X-Api-Key header "
        "(or Authorization: Bearer <key>).",
    ), status=401)
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    cause = exc.__cause__
    if isinstance(cause, ApiError):  # raised by JsonParser; ninja wraps parser errors in a 400
        return _api_error(request, cause)
    code = {400: "bad_request", 403: "forbidden", 404: "not_found"}.get(exc.status_code, "error")
    return api.create_response(request, error_body(code, str(exc)), status=exc.status_code)


@api.exception_handler(Http404)
def _not_found_error(request, exc):
    return api.create_response(request, error_body("not_found", str(exc) or "Not found."), status=404)


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, error_body(exc.code, exc.message, field=exc.field), status=422)


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(request, error_body("server_error", "Something went wrong on our side."), status=500)


# Routers ----------------------------------------------------------------------------------------------------

from api.bulk import router as bulk_router  # noqa: E402
from api.documents import router as documents_router  # noqa: E402
from api.inventory import router as inventory_router  # noqa: E402
from api.orders import router as orders_router  # noqa: E402

api.add_router("/", bulk_router)  # before orders: /orders/bulk is not an order number
api.add_router("/", orders_router)
api.add_router("/", inventory_router)
api.add_router("/", documents_router)
