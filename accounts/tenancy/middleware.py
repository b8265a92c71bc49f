from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from accounts.tenancy.two_factor import two_factor_device, two_factor_required_for

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
