from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from clinic import views
from clinic.sitemaps import sitemaps
from core.edge_cache import cache_public_page

admin.site.site_header = "Clinic staff"
admin.site.site_title = "Clinic staff"
admin.site.index_title = "Front desk and patient education"
# Staff have few sections; the request list needs the width more than a sidebar.
admin.site.enable_nav_sidebar = False

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
    path("admin/", admin.site.urls),
    path("healthz/", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path(
        "sitemap.xml",
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
