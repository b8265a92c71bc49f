from django.urls import include, path

import oms.converters  # noqa: F401  (registers <id:...>, used by the included patterns)

from api.core import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("accounts.urls")),
    path("", include("orders.urls")),
    path("", include("inventory.urls")),
    path("", include("channels.urls")),
    path("", include("intake.urls")),
]

handler404 = "oms.views.page_not_found"
