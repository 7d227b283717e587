"""The staff site: Django's admin, asking for the second factor after the password
(clinic/second_factor.py) unless settings.STAFF_SECOND_FACTOR is off."""

from functools import partial

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from clinic import second_factor


class StaffAdminSite(admin.AdminSite):
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

    def get_urls(self):
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
        return steps + super().get_urls()
