"""NUL characters are refused at the edge: PostgreSQL text cannot hold them, so a path, query string or form
value with one would otherwise fail deep in a query. Pages answer a plain 400; the API (/api/) answers 422 in its
own error format, as it does for NULs in a JSON body, and so do channel webhooks (/hooks/), whose form-looking
bodies are left unread here (their signature is over the raw body)."""

from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError

from api.errors import error_body

NUL = "\x00"
FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
MESSAGE = "The address or a form field contains a NUL character, which is never valid here. Nothing was changed."


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path_info.startswith(("/api/", "/hooks/"))  # JSON doors: the raw body is theirs to read
        try:
            where = _nul_in(request, forms=not api)
        except MultiPartParserError:
            return HttpResponse("The form data could not be read.", status=400, content_type="text/plain; charset=utf-8")
        if where is None:
            return self.get_response(request)
        if api:
            body = error_body("invalid_characters", "Text may not contain NUL characters.", field=where or None)
            return JsonResponse(body, status=422)
        return HttpResponse(MESSAGE, status=400, content_type="text/plain; charset=utf-8")


def _nul_in(request, *, forms: bool) -> str | None:
    """Where the first NUL is ('' for the path, else the parameter's name), or None."""
    if NUL in request.path_info:
        return ""
    sources = [request.GET]
    if forms and request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for data in sources:
        for name, values in data.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "")
    return None
