"""Every URL of the organization site (with the API) and of the public site, sent hostile values in each path
parameter, in the query string and in every form field, as an administrator and anonymously: no answer is a
5xx. The patterns are read from the URL configurations, so a new URL is walked without changing this test; a
new parameter name needs a valid value in `valid_values` (the test says so)."""

import itertools
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core import mail
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet, DecimalField, FloatField, IntegerField
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.invitations import member_invite
from accounts.models import AccountCloneRequest, Notification, RecurringJob
from accounts.services import account_rotate_api_key
from accounts.settings_tabs import TABS
from inventory.models import InventoryPush
from orders.models import OrderRule
from tests import factories
from tests.intake.failure_helpers import failure, mug

HOSTILE = [str(2**31), str(2**63), str(10**30), "-1", "0", "abc", "1.5", "%00", "a%00b", "x" * 5000]
# In query strings and forms, where 0, -1 and non-numbers are everyday input, the values that overflow or run
# long (NULs are sent on their own: they are refused before anything else).
IN_FIELDS = [str(2**31), str(2**63), str(10**30), "-1", "1.5", "x" * 5000]
OVERFLOW = IN_FIELDS[:3]
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
# Names views read from the query string (filters, cursors, pickers); each gets each value in turn.
QUERY_NAMES = [
    "q", "source", "page", "cursor", "after", "before", "account", "channel", "status", "kind", "with_users",
    "master_product_source", "created_from", "created_to", "limit", "sku", "warehouse", "next", "number", "apply",
]
# Names posted to views that draw no page to read field names from (POST-only actions).
FORM_NAMES = ["account", "active", "next", "scope", "ids", "shown", "back", "form", "source", "name", "with_users"]
ACTIONS = ["enable", "disable", "run", "up", "down", "map", "replay", "delete", "discard"]  # destructive ones last


def _routes(urlconf: str) -> list[tuple[str, str]]:
    """(route, name) of every pattern, includes flattened; a regex pattern becomes 'prefix{*}'."""
    found = []

    def walk(patterns, prefix: str):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = str(pattern.pattern)
                if route.startswith("^"):
                    route = "{*}"
                found.append((prefix + route, pattern.name or route))

    walk(get_resolver(urlconf).url_patterns, "")
    return found


def _fill(route: str, values: dict[str, str]) -> str:
    return "/" + PARAMETER.sub(lambda m: values[m.group(1)], route).replace("{*}", values.get("*", "x"))


def _parameters(route: str) -> list[str]:
    return PARAMETER.findall(route) + (["*"] if "{*}" in route else [])


class Walk:
    def __init__(self, client: Client, tenant, label: str, headers: dict | None = None):
        self.client, self.tenant, self.label = client, tenant, label
        self.headers = headers or {}
        self.failures: list[str] = []
        self.sent = 0
        self.statuses: dict[int, int] = {}

    def send(self, method: str, path: str, data=None, *, where: str, **headers):
        """One request in a savepoint, so a database error inside it cannot spoil the next ones."""
        savepoint = transaction.savepoint()
        try:
            if method == "GET":
                response = self.client.get(path, headers={**self.headers, **headers})
            else:
                response = self.client.post(path, data or {}, headers={**self.headers, **headers})
        finally:
            connection.set_tenant(self.tenant)
        self.sent += 1
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
            self.failures.append(
                f"{self.label}: {method} {where}: {path[:120]} -> {response.status_code}"
            )
        else:
            transaction.savepoint_commit(savepoint)
        return response

    def check(self):
        assert not self.failures, f"{len(self.failures)} of {self.sent} requests answered 5xx:\n" + "\n".join(
            self.failures[:40]
        )


def _forms_of(response) -> list[BaseForm]:
    forms = []
    for context in response.context or []:
        for value in itertools.chain.from_iterable(layer.values() for layer in context.dicts):
            if isinstance(value, BaseForm):
                forms.append(value)
            elif isinstance(value, BaseFormSet):
                forms.extend([value.management_form, *value.forms])
    return forms


class _Inputs(HTMLParser):
    """The (name, value) pairs a browser would submit from the page unchanged, and which of them hold numbers."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.numeric: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self.values.setdefault(name, "")
                return
            self.values[name] = attrs.get("value") or ""
            if kind == "number" or attrs.get("inputmode") == "numeric" or self.values[name].isdigit():
                self.numeric.add(name)
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and ("selected" in attrs or not self.values[self._select]):
            self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def _form_posts(response, fallback) -> list[tuple[str, dict]]:
    """Hostile posts for the page: what the page would submit unchanged, with a value past 32 and 64 bits in
    each number field (form integer fields, number inputs, hidden ids) in turn, the other hostile values in
    every number field together, then in every other field. A view without a page gets `fallback` names. One
    more post holds a NUL character in every field."""
    inputs = _Inputs()
    if response.status_code == 200:
        inputs.feed(response.content.decode(errors="replace"))
        for form in _forms_of(response):
            for name, field in form.fields.items():
                key = form.add_prefix(name)
                inputs.values.setdefault(key, "")
                if isinstance(field, (IntegerField, DecimalField, FloatField)):
                    inputs.numeric.add(key)
    base = {name: value for name, value in inputs.values.items() if name != "csrfmiddlewaretoken"}
    if not base:
        base = dict.fromkeys(fallback, "1")
    numeric = inputs.numeric & set(base)
    posts = []
    for name in sorted(numeric):  # one at a time: another field's error cannot hide this one's
        for value in OVERFLOW:
            posts.append((f"{name}={value[:12]}", base | {name: value}))
    for value in IN_FIELDS:
        if numeric and value not in OVERFLOW:
            posts.append((f"number fields {value[:12]!r}", base | dict.fromkeys(numeric, value)))
        upload = {"file": SimpleUploadedFile("x.csv", value.encode())}
        posts.append((f"other fields {value[:12]!r}", base | dict.fromkeys(set(base) - numeric, value) | upload))
    posts.append(("every field 'a\\x00b'", dict.fromkeys(base, "a\x00b")))
    return posts


def _queries() -> list[str]:
    """Every query name with each hostile value in turn, and the probes of the issue on their own."""
    rounds = [urlencode({name: IN_FIELDS[(i + k) % len(IN_FIELDS)] for i, name in enumerate(QUERY_NAMES)})
              for k in range(len(IN_FIELDS))]
    return rounds + ["q=%00", "source=abc", "source=1.5", f"page={2**63}", "cursor=garbage", "after=garbage",
                     "account=99999999999999999999"]


def walk_site(walk: Walk, urlconf: str, valid: dict[str, list[str]], *, forms: bool, only=None):
    routes = [(route, name) for route, name in _routes(urlconf) if only is None or only(route)]
    missing = {p for route, _ in routes for p in _parameters(route) if p not in valid}
    assert not missing, f"give the URL walk a valid value for {sorted(missing)}"
    # Pages first, then POST-only actions (they may delete or disable what the pages show): disabling the
    # account and signing out end the walk.
    first = {p: valid[p][0] for route, _ in routes for p in _parameters(route)}
    actions = {route for route, _ in routes if walk.send("GET", _fill(route, first), where=route).status_code == 405}
    routes.sort(key=lambda entry: (entry[1] == "logout", "/active/" in entry[0], entry[0] in actions))
    for route, name in routes:
        params = _parameters(route)
        # Each path parameter hostile in turn, the others valid (POST where GET is not allowed).
        for param in params:
            for value in HOSTILE:
                path = _fill(route, {p: (value if p == param else valid[p][0]) for p in params})
                if walk.send("GET", path, where=f"{name} <{param}>").status_code == 405:
                    walk.send("POST", path, where=f"{name} <{param}>")
        # Every combination of valid values, with hostile query strings and forms.
        for combination in itertools.product(*(valid[p] for p in params)):
            path = _fill(route, dict(zip(params, combination)))
            page = walk.send("GET", path, where=name)
            if page.status_code != 405:
                for index, query in enumerate(_queries()):
                    htmx = {"HX-Request": "true", "HX-Target": "tab-body"} if index % 2 else {}
                    walk.send("GET", f"{path}?{query}", where=f"{name} ?query", **htmx)
            posts = _form_posts(page, FORM_NAMES) if forms else [("NULs", dict.fromkeys(FORM_NAMES, "\x00"))]
            for label, data in posts:
                if walk.send("POST", path, data, where=f"{name} form, {label}").status_code == 405:
                    break
    walk.check()


@pytest.fixture
def valid_values(world) -> dict[str, list[str]]:
    """A real object for every path parameter of the organization site, the public site and the API."""
    store = world.store
    variant = mug(store)
    order = factories.make_order(store, [(variant, 1)])
    channel = factories.ChannelFactory(account=store, name="Walk market")
    job = RecurringJob.objects.create(account=store, job_type="redact_pii", interval_minutes=60)
    rule = OrderRule.objects.create(account=store, position=1, name="Hold all", actions=[{"type": "hold"}])
    kept = failure(store, external_id="WALK-1")
    push = InventoryPush.objects.create(account=store, channel=channel, variant=variant, status="dead")
    clone = AccountCloneRequest.objects.create(source=store, name="Walk copy", requested_by=world.admin)
    from intake.models import CsvImport

    csv = CsvImport.objects.create(account=store, content="external_id\n", filename="walk.csv")
    invitation = member_invite(organization=world.org, email="walk-invitee@example.com", role="member", by=world.admin)
    token = re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)
    note = Notification.objects.create(user=world.admin, message="Walk notification")
    return {
        "account_id": [str(store.pk)],
        "request_id": [str(clone.pk)],
        "user_id": [str(world.agent.pk)],
        "warehouse_id": [str(store.default_warehouse_id)],
        "job_id": [str(job.pk)],
        "rule_id": [str(rule.pk)],
        "number": [order.number],
        "push_id": [str(push.pk)],
        "sku": [variant.sku],
        "channel_id": [str(channel.pk)],
        "hook_token": [channel.webhook_token],
        "import_id": [str(csv.pk)],
        "failure_id": [str(kept.pk)],
        "organization_id": [str(world.org.pk)],
        "invitation_id": [str(invitation.pk)],
        "token": [token],
        "notification_id": [str(note.pk)],
        "tab": [tab.slug for tab in TABS],
        "action": ACTIONS,
        "shipment_id": ["1"],
        "receipt_id": [str(2**40)],
        "*": ["nothing-here"],
    }


def _org_client(world, user=None) -> Client:
    client = Client(HTTP_HOST=f"{world.org.schema_name}.localhost", raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _public_client(user=None) -> Client:
    connection.set_schema_to_public()
    client = Client(HTTP_HOST="localhost", raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _pages(route: str) -> bool:
    return not route.startswith("api/")


def test_organization_site_as_administrator(world, valid_values):
    walk = Walk(_org_client(world, world.admin), world.org, "admin")
    walk_site(walk, "oms.urls", valid_values, forms=True, only=_pages)
    assert walk.statuses[200] > 100 and walk.statuses[422] > 10, walk.statuses  # signed in all along


def test_organization_site_anonymous(world, valid_values):
    walk = Walk(_org_client(world), world.org, "anonymous")
    walk_site(walk, "oms.urls", valid_values, forms=False)


def test_api_with_a_key(world, valid_values):
    key = account_rotate_api_key(account=world.store, by=None)
    walk = Walk(_org_client(world), world.org, "api", headers={"X-Api-Key": key})
    walk_site(walk, "oms.urls", valid_values, forms=False, only=lambda route: route.startswith("api/"))
    assert walk.statuses[200] > 10, walk.statuses  # the key was accepted


def test_public_site_as_system_administrator(world, system_admin, valid_values):
    walk = Walk(_public_client(system_admin), connection.tenant, "system admin")
    walk_site(walk, "oms.urls_public", valid_values, forms=True)
    assert walk.statuses[200] > 10 and walk.statuses[422] > 2, walk.statuses


def test_public_site_anonymous(world, valid_values):
    walk = Walk(_public_client(), connection.tenant, "anonymous")
    walk_site(walk, "oms.urls_public", valid_values, forms=False)
