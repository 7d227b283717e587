"""The staff site (Django's admin, as the project's default admin site).

- Every page needs the second factor after the password (clinic/second_factor.py)
  unless settings.STAFF_SECOND_FACTOR is off.
- Its home is titled for who is looking: the front desk, a clinician, a medical
  reviewer or the practice manager.
- The technical tables (login lockouts, background tasks, the raw permission groups)
  are kept off the home pages, on a "System" page the practice manager opens.
"""

from functools import partial

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from clinic import second_factor
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

    def has_permission(self, request):
        """Every admin page (each one holds or leads to patient data) needs both steps."""
        if not super().has_permission(request):
            return False
        return not second_factor.required() or request.user.is_verified()

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """AdminSite.login with StaffLoginView, which asks for the second step."""
        from django.contrib.admin.forms import AdminAuthenticationForm

        redirect_url = LoginView().get_redirect_url(request) or reverse(
            "admin:index", current_app=self.name
        )
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(redirect_url)
        user = request.user
        if (
            request.method == "GET"
            and second_factor.required()
            and user.is_authenticated
            and user.is_staff
            and not second_factor.has_factor(user)
        ):
            # Signed in with the password on a first sign-in: enrolment is the way on.
            return second_factor.redirect_with_next("admin:second_factor_enrol", redirect_url)
        context = {
            **self.each_context(request),
            "title": "Log in",  # the admin stays English
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
            REDIRECT_FIELD_NAME: redirect_url,
            **(extra_context or {}),
        }
        request.current_app = self.name
        return second_factor.StaffLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

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
        # Open between the two steps, so not behind admin_view (which needs both).
        steps = [
            path(
                "second-factor/",
                partial(second_factor.verify_view, admin_site=self),
                name="second_factor",
            ),
            path(
                "second-factor/enrol/",
                partial(second_factor.enrol_view, admin_site=self),
                name="second_factor_enrol",
            ),
            path(
                "second-factor/recovery-codes/",
                partial(second_factor.codes_view, admin_site=self),
                name="second_factor_codes",
            ),
        ]
        return [*steps, system, *super().get_urls()]
