"""Pages for signing up (investors; companies with their first admin), in and out,
two-factor, creating and showing an organization, and the dashboards.
Each view parses input, calls one service, renders."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.dashboard import panels_for as dashboard_panels
from core.errors import ApplicationError
from core.forms import apply_error
from core.navigation import next_path

from . import selectors, services, throttle, tokens
from .credentials import ApiToken
from .forms import CompanySignUpForm, OrganizationForm, SignInForm, SignUpForm, TokenForm
from .sessions import user_sessions_end


@require_http_methods(["GET", "POST"])
def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_sign_up(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Shoken. Your account is ready."))
            return redirect("accounts:dashboard")
    return render(request, "accounts/sign_up.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def sign_up_company(request):
    """The "Sign up your company" page: a new issuer account, its Organization and the person as admin.
    They are sent on to the issuer application; being an admin, the 2FA middleware first
    takes them through authenticator enrolment (which returns to ?next=)."""
    form = CompanySignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.company_sign_up(
                email=form.cleaned_data["email"], password=form.cleaned_data["password"],
                full_name=form.cleaned_data["full_name"], company_name=form.cleaned_data["company_name"],
            )
        except ApplicationError as error:
            apply_error(form, error)
        else:
            login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _next_steps_message(membership))
            return redirect("issuance:issuer-apply")
    return render(request, "accounts/sign_up_company.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def organization_create(request):
    """A signed-in issuer without an organization creates their company (the dashboard shows
    the form). Who may is refused before the form (403/409 page, see core.middleware); a bad
    name comes back in the form."""
    services.organization_create_check(actor=request.user)
    form = OrganizationForm(request.POST if request.method == "POST" else None)  # an empty POST is bound
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.organization_create(name=form.cleaned_data["name"], actor=request.user)
        except ApplicationError as error:
            if not error.fields:
                raise
            apply_error(form, error)
        else:
            messages.success(request, _next_steps_message(membership))
            return redirect("issuance:issuer-apply")
    return render(request, "accounts/organization_create.html", {"form": form}, status=400 if form.errors else 200)


def _next_steps_message(membership) -> str:
    return _(
        "%(company)s is registered and you are its admin. Set up two-factor authentication, "
        "then fill in the issuer application for compliance to review."
    ) % {"company": membership.organization.name}


@require_http_methods(["GET", "POST"])
def sign_in(request):
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].lower()
        ip = throttle.client_address(request)
        if throttle.is_locked(email, ip):
            services.user_sign_in_failed(email=email, locked=True)
            form.add_error(None, _("Too many failed sign-in attempts. Try again in %(minutes)d minutes.")
                           % {"minutes": throttle.lockout_minutes()})
            return render(request, "accounts/sign_in.html", {"form": form}, status=429)
        user = authenticate(request, email=email, password=form.cleaned_data["password"])
        if user is None:
            throttle.record_failure(email, ip)
            services.user_sign_in_failed(email=email, locked=False)
            form.add_error(None, _("The e-mail address or password is not correct."))
        else:
            throttle.record_success(email, ip)
            login(request, user)
            services.user_signed_in(user=user)
            return redirect(_safe_next(request) or "accounts:dashboard")
    return render(request, "accounts/sign_in.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def sign_out(request):
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("accounts:login")


@login_required
def security(request):
    """Your API tokens (one per device) and the "Sign out everywhere" button."""
    api_tokens = ApiToken.objects.filter(user=request.user, expiry__gt=timezone.now()).order_by("-created")
    return render(request, "accounts/security.html", {"api_tokens": api_tokens})


@login_required
@require_POST
def api_token_revoke(request, digest: str):
    """Revoke one of your API tokens (named by its digest: the token itself is never stored)."""
    # a digest is hexadecimal: anything else (a NUL would be a DataError, a 500) names no token
    known = digest.isascii() and digest.isalnum()
    token = ApiToken.objects.filter(user=request.user, digest=digest).first() if known else None
    if token is not None:
        tokens.api_token_revoke(token=token, actor=request.user)
        messages.info(request, _("The API token of %(device)s no longer works.") % {"device": token.name})
    return redirect("accounts:security")


@login_required
@require_POST
def sign_out_everywhere(request):
    """End every session (this one too) and every API token of the signed-in person."""
    user_sessions_end(user=request.user, reason="sign_out_everywhere", actor=request.user)
    logout(request)
    messages.info(request, _("You have signed out everywhere: all your sessions and API tokens have ended."))
    return redirect("accounts:login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_enrol(request):
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:2fa-verify")
    device = services.totp_enrolment_start(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_enrolment_confirm(user=request.user, token=form.cleaned_data["token"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_safe_next(request) or "accounts:dashboard")
    context = {
        "form": form,
        "secret": device.bin_key and _base32(device.bin_key),
        "qr_svg": segno.make(device.config_url, error="m").svg_inline(scale=4),
    }
    return render(request, "accounts/two_factor_enrol.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    if not TOTPDevice.objects.filter(user=request.user, confirmed=True).exists():
        return redirect("accounts:2fa-enrol")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_verify(user=request.user, token=form.cleaned_data["token"])
        except ApplicationError as error:
            apply_error(form, error)
        else:
            otp_login(request, device)
            return redirect(_safe_next(request) or "accounts:dashboard")
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


def _safe_next(request) -> str | None:
    return next_path(request, request.GET.get("next", ""))


def _base32(key: bytes) -> str:
    return base64.b32encode(key).decode().rstrip("=")


@login_required
def dashboard(request):
    kind = selectors.dashboard_kind(request.user)
    context = {"kind": kind, "memberships": selectors.memberships_for(user=request.user),
               "panels": dashboard_panels(kind, request)}
    if selectors.organization_missing(user=request.user):
        context["company_form"] = OrganizationForm()
    return render(request, f"accounts/dashboard_{kind}.html", context)


@login_required
def organization_detail(request, pk: int):
    org = selectors.organization_get_for(user=request.user, pk=pk)
    members = org.memberships.select_related("user").order_by("user__email")
    return render(request, "accounts/organization_detail.html", {"organization": org, "members": members})


class PasswordReset(auth_views.PasswordResetView):
    """Sends the reset link, at most PASSWORD_RESET_MAX_PER_EMAIL times per e-mail address and
    PASSWORD_RESET_MAX_PER_ADDRESS times per client address in the window (accounts/throttle.py).
    Beyond, no mail goes out and the page answers exactly the same (no enumeration, no mail
    bombing)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        if throttle.password_reset_allowed(form.cleaned_data["email"], throttle.client_address(self.request)):
            return super().form_valid(form)
        services.password_reset_throttled(email=form.cleaned_data["email"])
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password-reset-complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.user_password_changed(user=form.user, via="reset")
        return response
