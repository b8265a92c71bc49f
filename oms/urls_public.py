from django.urls import include, path

import oms.converters  # noqa: F401  (registers <id:...>, used by the included patterns)

urlpatterns = [
    path("", include("accounts.tenancy.urls")),
]

handler404 = "oms.views.page_not_found"
