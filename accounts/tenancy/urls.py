from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.views import auth, public, two_factor

app_patterns = [
    path("", public.organization_list, name="organization_list"),
    path("organizations/new/", public.organization_create, name="organization_create"),
    path("organizations/<id:organization_id>/", public.organization_edit, name="organization_edit"),
    path(
        "organizations/<id:organization_id>/two-factor/",
        public.organization_two_factor,
        name="organization_two_factor",
    ),
]

urlpatterns = [
    path("", include((app_patterns, "public"))),
    path("login/", auth.LoginView.as_view(), name="login"),
    path("login/code/", auth.login_code, name="login_code"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.two_factor_page, name="two_factor"),
    path("home/", auth.home, name="home"),
]
