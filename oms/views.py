"""Project-wide error pages: under /api/ they are JSON like every other API answer."""

from django.http import JsonResponse
from django.views import defaults

from api.errors import error_body


def page_not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse(error_body("not_found", "No such API endpoint or organization."), status=404)
    return defaults.page_not_found(request, exception)
