from django.contrib import messages
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import Http404, HttpResponseNotFound
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name, get_tenant_domain_model
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts.tenancy.lockout import client_address
from accounts.tenancy.lookups import lookups_redis_url, lookups_version, organization_for_host
from api.auth import rate_name_early
from api.ratelimit import WINDOW_SECONDS as RATE_WINDOW_SECONDS
from api.ratelimit import bad_key_name, same_redis_as
from accounts.tenancy.two_factor import two_factor_device, two_factor_required_for
from oms.light import is_light

# Pages an administrator can still reach before setting up two-factor sign-in.
OPEN_URL_NAMES = {"two_factor", "login", "login_code", "logout"}


class TwoFactorRequiredMiddleware:
    """Where the organization requires two-factor sign-in of its administrators, an administrator whose session was
    not verified with a code is sent to set it up (or, with a device already, to sign in again). htmx requests get
    the same answer as a full-page redirect; the API (key-authenticated, no session user) is never concerned."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        organization = getattr(request, "organization", None)
        if organization is None or not organization.require_two_factor_for_admins:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        match = request.resolver_match
        if (match and match.url_name in OPEN_URL_NAMES) or request.path.startswith("/api/"):
            return None
        if not two_factor_required_for(user=user, organization=organization):
            return None
        if two_factor_device(user=user) is not None:
            logout(request)
            target = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}" if request.method == "GET" else reverse("login")
        else:
            messages.warning(
                request,
                f"{organization.name} requires two-factor sign-in for administrators: set it up to continue.",
            )
            target = reverse("two_factor")
        if request.htmx:
            return HttpResponseClientRedirect(target)
        return redirect(target)



class CachedTenantMiddleware(TenantMainMiddleware):
    """django-tenants' middleware (organization by host, then its schema) with the look-up cached in the process
    and checked against the version token (accounts/tenancy/lookups.py), which it leaves on the request for the
    API key's look-up; for the API, the client's wrong-key count is read in the same Redis round trip. When the
    connection is already on the organization's schema, the schema is not set again. API and webhook requests
    to a deactivated organization stop here (404), as pages do for everyone but system administrators
    (accounts/middleware.py)."""

    def process_request(self, request):
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        # An API request's wrong-key count, and the key's rate count when the key is cached here (api/ratelimit.py),
        # come in the same Redis round trip as the version.
        counter = rate = None
        if request.path_info.startswith("/api/") and same_redis_as(lookups_redis_url()):
            counter = bad_key_name(address=client_address(request))
            rate = rate_name_early(request, hostname)
        version, values = lookups_version(
            also=(counter,) if counter else (), count=(rate, RATE_WINDOW_SECONDS * 2) if rate else None
        )
        request.lookups_version = version
        if counter and values:
            request.bad_key_count = int(values[0] or 0)
        if rate and values:
            request.rate_count = (rate, int(values[-1]))
        domain_model = get_tenant_domain_model()

        def load(host):
            connection.set_schema_to_public()  # where organizations and domains are
            return self.get_tenant(domain_model, host)

        try:
            tenant = organization_for_host(hostname, version=version, load=load)
        except domain_model.DoesNotExist:
            connection.set_schema_to_public()
            return self.no_tenant_found(request, hostname)
        tenant.domain_url = hostname
        request.tenant = tenant
        if is_light(request) and tenant.schema_name != get_public_schema_name() and not tenant.is_active:
            raise Http404("No such organization.")
        kept = connection.search_path_set_schemas if connection.schema_name == tenant.schema_name else None
        connection.set_tenant(tenant)
        if kept:  # the session's search_path is still this schema's
            connection.search_path_set_schemas = kept
        self.setup_url_routing(request)
