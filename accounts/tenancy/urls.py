from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import auth, public

app_patterns = [
    path("", public.organization_list, name="organization_list"),
    path("organizations/new/", public.organization_create, name="organization_create"),
    path("organizations/<id:organization_id>/", public.organization_edit, name="organization_edit"),
]

urlpatterns = [
    path("", include((app_patterns, "public"))),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("home/", auth.home, name="home"),
]
