"""The staff site (Django's admin, as the project's default admin site).

- Its home is titled for who is looking: the front desk, a clinician, a medical
  reviewer or the practice manager.
- The technical tables (login lockouts, background tasks, the raw permission groups)
  are kept off the home pages, on a "System" page the practice manager opens.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path, reverse

from core.roles import CLINICIANS, FRONT_DESK, MEDICAL_REVIEWERS

# Tables that are for setting the site up or looking into a problem, not daily work.
SYSTEM_MODELS = {
    "auth.group",
    "axes.accessattempt",
    "axes.accessfailurelog",
    "axes.accesslog",
    "django_tasks_database.dbtaskresult",
}


def role_titles(user):
    """What the user's home is about, by their role(s)."""
    if user.is_superuser:
        return ["Practice management"]
    groups = set(user.groups.values_list("name", flat=True))
    titles = []
    if FRONT_DESK in groups:
        titles.append("Front desk")
    if MEDICAL_REVIEWERS in groups:
        titles.append("Patient education and medical review")
    elif CLINICIANS in groups:
        titles.append("Patient education")
    return titles or ["Staff"]


def is_system(model_dict):
    return model_dict["model"]._meta.label_lower in SYSTEM_MODELS


class StaffAdminSite(admin.AdminSite):
    site_header = "Clinic staff"
    site_title = "Clinic staff"
    index_title = "Clinic staff"
    # Staff have few sections; the request list needs the width more than a sidebar.
    enable_nav_sidebar = False

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps  # an app's own page lists all its tables
        daily = []
        for app in apps:
            models = [model for model in app["models"] if not is_system(model)]
            if models:
                daily.append({**app, "models": models})
        if self.system_apps(request):
            # One entry that opens the System page, last.
            url = reverse("admin:system", current_app=self.name)
            daily.append(
                {
                    "name": "System",
                    "app_label": "system",
                    "app_url": url,
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": "Login lockouts, background tasks, role groups",
                            "object_name": "System",
                            "admin_url": url,
                            "add_url": None,
                            "view_only": True,
                        }
                    ],
                }
            )
        return daily

    def system_apps(self, request):
        if not request.user.is_superuser:
            return []
        system = []
        for app in super().get_app_list(request):
            models = [model for model in app["models"] if is_system(model)]
            if models:
                system.append({**app, "models": models})
        return system

    def index(self, request, extra_context=None):
        title = " · ".join(role_titles(request.user))
        return super().index(request, {"title": title, **(extra_context or {})})

    def system_view(self, request):
        if not request.user.is_superuser:
            raise PermissionDenied
        context = {
            **self.each_context(request),
            "title": "System",
            "subtitle": None,
            "system_apps": self.system_apps(request),
        }
        request.current_app = self.name
        return TemplateResponse(request, "admin/system.html", context)

    def get_urls(self):
        system = path("system/", self.admin_view(self.system_view), name="system")
        return [system, *super().get_urls()]


class StaffAdminConfig(AdminConfig):
    """django.contrib.admin, with StaffAdminSite as admin.site."""

    default_site = "clinic.admin_site.StaffAdminSite"
