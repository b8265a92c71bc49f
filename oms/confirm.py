"""A confirmation step for destructive or irreversible actions, that works without JavaScript.

A view that changes something for good calls `confirmation()` first: without `confirmed=yes` in the POST it
answers a page naming what will happen, whose form posts the same fields again with `confirmed=yes`; with
it, `confirmation()` returns None and the view goes on. Validate the form before asking, so the person
confirms what will really be done.
"""

from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def confirmation(request, *, title: str, consequences, confirm_label: str, back_url: str):
    """None when the POST is confirmed; else the response that asks for it (a page, or a fragment for htmx)."""
    if request.POST.get(CONFIRM_FIELD) == "yes":
        return None
    if isinstance(consequences, str):
        consequences = [consequences]
    context = {
        "title": title,
        "consequences": consequences,
        "confirm_label": confirm_label,
        "back_url": back_url,
        "fields": [(name, value) for name, values in request.POST.lists() if name not in _NOT_REPOSTED for value in values],
    }
    if getattr(request, "htmx", False):
        response = render(request, "partials/_confirm.html", context)
        response["HX-Retarget"] = "main"
        response["HX-Reswap"] = "innerHTML"
        return response
    return render(request, "confirm.html", context)
