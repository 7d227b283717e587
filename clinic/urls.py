from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, reverse_lazy

from clinic import second_factor, views
from clinic.sitemaps import sitemaps
from core.edge_cache import cache_public_page

# Patients' pages: English at /, Spanish under /es/. The URL alone sets the language
# (LocaleMiddleware never redirects an unprefixed address by Accept-Language).
urlpatterns = i18n_patterns(
    path("", cache_public_page(views.home), name="home"),
    path("articles/", include("education.urls")),
    path("", include("appointments.urls")),
    prefix_default_language=False,
)
# Staff and machines: English only, never prefixed.
urlpatterns += [
    # Passkeys for the second step (django-otp-webauthn's JSON views, clinic/second_factor.py).
    path("admin/passkeys/", include(second_factor.passkey_urls)),
    # A new staff member sets their own password from the invitation's one-time link
    # (clinic/staff.py): Django's password reset confirmation, under /admin/.
    path(
        "admin/invitation/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            title="Set your password",
            success_url=reverse_lazy("staff_invitation_done"),
            extra_context={"site_header": "Clinic staff", "site_title": "Clinic staff"},
        ),
        name="staff_invitation",
    ),
    path(
        "admin/invitation/done/",
        auth_views.PasswordResetCompleteView.as_view(
            title="Your password is set",
            extra_context={"site_header": "Clinic staff", "site_title": "Clinic staff"},
        ),
        name="staff_invitation_done",
    ),
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    # An index of the sections, each paged at 50,000 addresses (?p=2...): every
    # article is listed whatever their number.
    path("sitemap.xml", cache_public_page(views.sitemap_index), name="sitemap_index"),
    path(
        "sitemap-<section>.xml",
        cache_public_page(sitemap),
        {"sitemaps": sitemaps},
        name="django.contrib.sitemaps.views.sitemap",
    ),
]

# Uploaded images in development only (an empty list without DEBUG): in production
# nginx serves /media/ (deploy/nginx.conf), WhiteNoise never does.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = views.bad_request
handler403 = views.permission_denied
handler404 = views.page_not_found
handler500 = views.server_error
