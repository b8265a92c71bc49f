from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts import services
from accounts.models import Notification


@login_required
@require_POST
def notification_dismiss(request, notification_id: int | None = None):
    """Dismiss one notification of the signed-in user (or all of them): htmx removes the toast, a plain form
    goes back to the page it came from."""
    try:
        services.notification_dismiss(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    if request.htmx:
        return HttpResponse("")
    target = request.POST.get("next") or ""
    safe = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    return redirect(target if safe and target.startswith("/") else reverse("home"))
