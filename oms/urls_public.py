from django.urls import include, path

urlpatterns = [
    path("", include("accounts.tenancy.urls")),
]

handler404 = "oms.views.page_not_found"
