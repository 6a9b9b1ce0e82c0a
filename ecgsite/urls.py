from allauth.account import views as allauth_views
from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from accounts.views import home

# The admin site signs in through allauth as well (lockout, TOTP), never its own form.
# Wrapping the site instance's bound method is deliberate (allauth's documented recipe).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", home, name="home"),
    # Sign-in is allauth's (local accounts, Google, OpenID Connect, TOTP); /login/ and
    # /logout/ are the addresses the rest of the site links to.
    path("login/", allauth_views.login, name="login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("", include("classifier.urls")),
    path("api/v1/", include("classifier.api.urls")),
    # The schema describes the API, never data: public, like the docs page.
    path(
        "api/v1/schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny]),
        name="api-schema",
    ),
    # Swagger UI from the vendored sidecar assets; its init script is a separate same-origin
    # file (?script), never inline, so the page renders under the CSP.
    path(
        "api/v1/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema",
            permission_classes=[AllowAny],
            template_name="api/swagger_ui.html",
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
    path("audit/", include("audit.urls")),
    path("", include("monitoring.urls")),  # /metrics, /healthz, /readyz
]

handler400 = "ecgsite.views.bad_request"
handler403 = "ecgsite.views.permission_denied"
handler404 = "ecgsite.views.page_not_found"
handler500 = "ecgsite.views.server_error"
