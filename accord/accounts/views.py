"""The sign-in journey, the user's own account pages, and coordinators' user management.

Journey (S1, S5, S6): notice (acknowledged) -> password (session id rotated,
password-only session) -> TOTP code, or enrolment of a first device (session id
rotated again, ``django_otp.login``) -> ``next`` or the dashboard.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.db import transaction
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import NotFound
from accord.errors import ValidationError as AccordValidationError

from . import services
from .access import member, password_step, public
from .authentication import (
    CODE_FAILURE,
    GENERIC_FAILURE,
    FailureReason,
    StepResult,
    code_check,
    confirmed_devices,
    password_change_failure,
    password_check,
    reauthentication_check,
)
from .forms import (
    CodeForm,
    DisableForm,
    LoginForm,
    PasswordResetRequestForm,
    ReauthenticateForm,
    RolesForm,
    TimeZoneForm,
    UserCreateForm,
    UserSearchForm,
    roles_initial,
)
from .lockout import failures_clear
from .models import Role, User, UserSession
from .selectors import users_of_task_force
from .sessions import (
    BANNER_ACKNOWLEDGED_AT,
    EXPIRED_FLAG,
    LAST_SEEN_AT,
    NEXT_URL,
    REAUTH_AT,
    STARTED_AT,
    session_end,
    session_forget,
    session_mark_verified,
    session_register,
    session_rekey,
    sessions_end_for_user,
    sessions_enforce_limit,
    sessions_of,
)

EXPIRED_MESSAGE = "Your session has expired; please sign in again."
THROTTLED_MESSAGE = "Several wrong codes in a row: wait a few seconds, then enter the new code."


# --- helpers ---------------------------------------------------------------------------------


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _signed_in_redirect(request: HttpRequest) -> HttpResponse | None:
    """Where someone already (partly) signed in goes instead of the notice or login form."""
    user = request.user
    if not user.is_authenticated:
        return None
    if user.is_verified():  # type: ignore[attr-defined]  # django-otp's middleware adds it
        return redirect("web:dashboard")
    return redirect("accounts:mfa")


def _complete_sign_in(request: HttpRequest, *, user: User, device: TOTPDevice) -> HttpResponse:
    """Second factor passed: rotate the session id again and mark the session verified."""
    now = timezone.now()
    old_key = request.session.session_key
    request.session.cycle_key()
    otp_login(request, device)
    session_rekey(old_key=old_key, request=request, user=user, now=now)
    session_mark_verified(request=request, user=user, now=now)
    sessions_enforce_limit(user=user, current_session_key=request.session.session_key or "")
    failures_clear(user=user)
    services.user_activity_touch(user=user, now=now)
    audit_record(event=AuditEventType.MFA_SUCCEEDED, actor=user, detail={"device": device.name})
    next_url = _safe_next(request, request.session.pop(NEXT_URL, ""))
    return HttpResponseRedirect(next_url or reverse("web:dashboard"))


def _abandon_sign_in(request: HttpRequest) -> HttpResponse:
    """The account got locked (or disabled) mid-way: end the session, say nothing more."""
    session_forget(session_key=request.session.session_key)
    auth_logout(request)
    messages.error(request, GENERIC_FAILURE)
    return redirect("accounts:banner")


def _code_error(form: Form, result: StepResult) -> None:
    message = THROTTLED_MESSAGE if result.reason == FailureReason.THROTTLED else CODE_FAILURE
    form.add_error("code", message)


def _add_service_error(form: Form, error: AccordValidationError) -> None:
    field = error.data.get("field")
    form.add_error(field if field in form.fields else None, error.message)


def _site_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


# --- the journey -----------------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def banner(request: HttpRequest) -> HttpResponse:
    """The system-use notice (S6): acknowledged before any credential is asked for."""
    elsewhere = _signed_in_redirect(request)
    if elsewhere is not None:
        return elsewhere
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        request.session[BANNER_ACKNOWLEDGED_AT] = timezone.now().timestamp()
        request.session.pop(EXPIRED_FLAG, None)
        audit_record(event=AuditEventType.BANNER_ACKNOWLEDGED)
        return HttpResponseRedirect(_with_next(reverse("accounts:login"), next_url))
    expired = bool(request.session.pop(EXPIRED_FLAG, False))
    return render(
        request,
        "accounts/banner.html",
        {"next": next_url, "expired_message": EXPIRED_MESSAGE if expired else ""},
    )


@public
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Username and password. Every failure gets the same page (S3)."""
    elsewhere = _signed_in_redirect(request)
    if elsewhere is not None:
        return elsewhere
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if not request.session.get(BANNER_ACKNOWLEDGED_AT):
        return HttpResponseRedirect(_with_next(reverse("accounts:banner"), next_url))
    form = LoginForm(request.POST or None)
    failure = ""
    if request.method == "POST" and form.is_valid():
        result = password_check(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if result.succeeded and result.user is not None:
            auth_login(request, result.user)  # rotates the session id
            now = timezone.now()
            request.session[STARTED_AT] = now.timestamp()
            request.session[LAST_SEEN_AT] = now.timestamp()
            request.session[NEXT_URL] = next_url
            session_register(request=request, user=result.user, now=now)
            return redirect("accounts:mfa")
        failure = GENERIC_FAILURE
        form = LoginForm()  # echo nothing back: the page is the same for every failure
    return render(
        request,
        "accounts/login.html",
        {
            "form": form,
            "failure": failure,
            "next": next_url,
            "expired_message": EXPIRED_MESSAGE if request.session.get(EXPIRED_FLAG) else "",
        },
    )


@password_step
@require_http_methods(["GET", "POST"])
def mfa(request: HttpRequest) -> HttpResponse:
    """The second factor: a 6-digit TOTP code from a confirmed device (S1)."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("web:dashboard")
    if not confirmed_devices(user):
        return redirect("accounts:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = code_check(user=user, code=form.cleaned_data["code"])
        if result.succeeded and result.device is not None:
            return _complete_sign_in(request, user=user, device=result.device)
        if result.locked:
            return _abandon_sign_in(request)
        _code_error(form, result)
    return render(request, "accounts/mfa.html", {"form": form})


@password_step
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in without a device: show a new TOTP secret, confirm it with a code."""
    user: User = request.user  # type: ignore[assignment]
    if user.is_verified():  # type: ignore[attr-defined]
        return redirect("web:dashboard")
    if confirmed_devices(user):
        return redirect("accounts:mfa")
    device = services.totp_enrolment_device(user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = code_check(user=user, code=form.cleaned_data["code"], devices=[device])
        if result.succeeded:
            services.totp_enrolment_confirm(user=user, device=device)
            return _complete_sign_in(request, user=user, device=device)
        if result.locked:
            return _abandon_sign_in(request)
        _code_error(form, result)
    secret = base64.b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=True)
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "qr_svg": mark_safe(qr_svg),  # noqa: S308  # segno output, no user input in markup
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
    )


@password_step
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """Sign out: the server-side session is deleted, not just the cookie (S5)."""
    if request.method == "GET":
        return render(request, "accounts/logout.html")
    audit_record(event=AuditEventType.LOGOUT, actor=request.user)  # type: ignore[arg-type]
    session_forget(session_key=request.session.session_key)
    auth_logout(request)
    messages.success(request, _("You have signed out."))
    return redirect("accounts:banner")


@member()
@require_http_methods(["GET", "POST"])
def reauthenticate(request: HttpRequest) -> HttpResponse:
    """Password and TOTP code again before a privileged action (S7)."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    form = ReauthenticateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = reauthentication_check(
            user=request.user,  # type: ignore[arg-type]
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
        )
        if result.succeeded:
            request.session[REAUTH_AT] = timezone.now().timestamp()
            return HttpResponseRedirect(next_url or reverse("web:dashboard"))
        if result.locked:
            return _abandon_sign_in(request)
        if result.reason == FailureReason.WRONG_PASSWORD:
            form.add_error("password", _("The password is not correct."))
        else:
            _code_error(form, result)
    return render(request, "accounts/reauthenticate.html", {"form": form, "next": next_url})


# --- password reset (public) -----------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link; the answer is the same whether or not the address is known (S3)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_reset_request(
            email=form.cleaned_data["email"], site_url=_site_url(request)
        )
        return redirect("accounts:password_reset_sent")
    return render(request, "accounts/password_reset.html", {"form": form})


@public
def password_reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_sent.html")


class ResetConfirmView(PasswordResetConfirmView):
    """Django's token check; the new password passes AUTH_PASSWORD_VALIDATORS (S4)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_done")
    post_reset_login = False

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.user
        with transaction.atomic():
            audit_record(
                event=AuditEventType.PASSWORD_RESET_COMPLETED,
                username=user.get_username(),
                object_type="user",
                object_id=user.pk,
                subject_agency_id=user.agency_id,
                task_force_id=user.task_force_id,
            )
            sessions_end_for_user(user=user, actor=None, reason="password reset")
        return response


password_reset_confirm = public(ResetConfirmView.as_view())


@public
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/password_reset_done.html")


# --- the user's own account ------------------------------------------------------------------


@member()
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user=user, data=request.POST or None)
    if request.method == "POST" and not form.is_valid() and "old_password" in form.errors:
        # A wrong current password counts towards the lockout like a sign-in failure (S2).
        result = password_change_failure(user=user)
        if result.locked:
            return _abandon_sign_in(request)
    elif request.method == "POST" and form.is_valid():
        with transaction.atomic():
            services.password_change_record(
                user=user, new_password=form.cleaned_data["new_password1"]
            )
            old_key = request.session.session_key
            update_session_auth_hash(request, user)  # rotates the session id
            session_rekey(old_key=old_key, request=request, user=user, now=timezone.now())
            ended = sessions_end_for_user(
                user=user,
                actor=user,
                reason="password changed",
                keep_session_key=request.session.session_key,
            )
        messages.success(
            request,
            _("Your password is changed.")
            + (
                gettext(" %(ended)s other session(s) were signed out.") % {"ended": ended}
                if ended
                else ""
            ),
        )
        return redirect("accounts:sessions")
    return render(request, "accounts/password_change.html", {"form": form})


@member()
def sessions(request: HttpRequest) -> HttpResponse:
    """Your sessions: where you are signed in, and a button to end each (S5)."""
    return render(
        request,
        "accounts/sessions.html",
        {
            "user_sessions": sessions_of(user=request.user),  # type: ignore[arg-type]
            "current_key": request.session.session_key,
        },
    )


@member()
@require_POST
def session_revoke(request: HttpRequest, session_id: int) -> HttpResponse:
    user_session = UserSession.objects.filter(pk=session_id, user=request.user).first()  # type: ignore[misc]
    if user_session is None:
        raise NotFound(gettext("No such session."))
    current = user_session.session_key == request.session.session_key
    session_end(user_session=user_session, actor=request.user, reason="ended by the user")  # type: ignore[arg-type]
    if current:
        auth_logout(request)
        messages.success(request, _("You have signed out."))
        return redirect("accounts:banner")
    messages.success(request, _("The session was ended."))
    return redirect("accounts:sessions")


# --- coordinators: users of their task force -------------------------------------------------


@member(Role.COORDINATOR)
def user_list(request: HttpRequest) -> HttpResponse:
    task_force_id = request.user.task_force_id or 0  # type: ignore[union-attr]
    form = UserSearchForm(request.GET or None, task_force_id=task_force_id)
    wanted = form.cleaned_data if form.is_bound and form.is_valid() else {}
    agency = wanted.get("agency")
    users = users_of_task_force(
        task_force_id=task_force_id,
        search=(wanted.get("q") or "").strip(),
        agency_id=agency.pk if agency else None,
        role=wanted.get("role") or "",
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    rows = [
        {
            "user": user,
            "roles": sorted(grant.get_role_display() for grant in user.role_grants.all()),
        }
        for user in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/user_list.html",
        {
            "rows": rows,
            "now": timezone.now(),
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(wanted and any(wanted.values())),
        },
    )


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    """Create a user with roles: a role change, so it needs a recent re-authentication."""
    actor: User = request.user  # type: ignore[assignment]
    form = UserCreateForm(request.POST or None, task_force_id=actor.task_force_id)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_create(
                actor=actor,
                agency=data["agency"],
                username=data["username"],
                email=data["email"],
                display_name=data["display_name"],
                roles=data["roles"],
                password=data["password"] or None,
            )
        except AccordValidationError as error:
            _add_service_error(form, error)
        else:
            if not data["password"]:
                services.password_reset_send(user=user, site_url=_site_url(request))
                messages.success(
                    request,
                    _("%(user)s was created and e-mailed a set-password link.") % {"user": user},
                )
            else:
                messages.success(request, _("%(user)s was created.") % {"user": user})
            return redirect("accounts:user_detail", user_id=user.pk)
    return render(request, "accounts/user_new.html", {"form": form})


@member(Role.COORDINATOR)
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    subject = services.user_in_scope(actor=actor, user_id=user_id)
    now = timezone.now()
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": subject,
            "roles": sorted(grant.get_role_display() for grant in subject.role_grants.all()),
            "locked": subject.locked_until is not None and subject.locked_until > now,
            "has_device": TOTPDevice.objects.filter(user=subject, confirmed=True).exists(),
            "session_count": UserSession.objects.filter(user=subject).count(),
            "disable_form": DisableForm(),
            "is_self": subject.pk == actor.pk,
        },
    )


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def user_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    subject = services.user_in_scope(actor=actor, user_id=user_id)
    form = RolesForm(request.POST or None, initial=roles_initial(subject))
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update_roles(actor=actor, user=subject, roles=form.cleaned_data["roles"])
        except AccordValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(
                request, _("The roles of %(subject)s were saved.") % {"subject": subject}
            )
            return redirect("accounts:user_detail", user_id=subject.pk)
    return render(request, "accounts/user_roles.html", {"form": form, "subject": subject})


@member(Role.COORDINATOR)
@require_POST
def user_disable(request: HttpRequest, user_id: int) -> HttpResponse:
    """Disable at once (no re-authentication: stopping access must never wait)."""
    actor: User = request.user  # type: ignore[assignment]
    subject = services.user_in_scope(actor=actor, user_id=user_id)
    form = DisableForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.user_disable(actor=actor, user=subject, reason=reason)
    except AccordValidationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(subject)s is disabled and signed out everywhere.") % {"subject": subject}
        )
    return redirect("accounts:user_detail", user_id=subject.pk)


def _confirmed_action(
    request: HttpRequest, *, user_id: int, title: str, explanation: str, button: str, action: str
) -> tuple[User, User, HttpResponse | None]:
    actor: User = request.user  # type: ignore[assignment]
    subject = services.user_in_scope(actor=actor, user_id=user_id)
    if request.method == "POST":
        return actor, subject, None
    page = render(
        request,
        "accounts/user_confirm.html",
        {
            "subject": subject,
            "title": title,
            "explanation": explanation,
            "button": button,
            "action": reverse(action, kwargs={"user_id": subject.pk}),
        },
    )
    return actor, subject, page


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def user_enable(request: HttpRequest, user_id: int) -> HttpResponse:
    actor, subject, page = _confirmed_action(
        request,
        user_id=user_id,
        title="Enable account",
        explanation="The person can sign in again with their password and second factor.",
        button="Enable",
        action="accounts:user_enable",
    )
    if page is not None:
        return page
    services.user_enable(actor=actor, user=subject)
    messages.success(request, _("%(subject)s is enabled.") % {"subject": subject})
    return redirect("accounts:user_detail", user_id=subject.pk)


@member(Role.COORDINATOR)
@require_POST
def user_unlock(request: HttpRequest, user_id: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    subject = services.user_in_scope(actor=actor, user_id=user_id)
    services.user_unlock(actor=actor, user=subject)
    messages.success(request, _("%(subject)s is unlocked.") % {"subject": subject})
    return redirect("accounts:user_detail", user_id=subject.pk)


@member(Role.COORDINATOR, recent_auth=True)
@require_http_methods(["GET", "POST"])
def user_second_factor_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    actor, subject, page = _confirmed_action(
        request,
        user_id=user_id,
        title="Reset second factor",
        explanation=(
            "Removes the person's authenticator and signs them out. At their next sign-in "
            "they set up a new authenticator app. Do this only after checking who is asking."
        ),
        button="Reset second factor",
        action="accounts:user_second_factor_reset",
    )
    if page is not None:
        return page
    services.user_second_factor_reset(actor=actor, user=subject)
    messages.success(
        request, _("The second factor of %(subject)s was reset.") % {"subject": subject}
    )
    return redirect("accounts:user_detail", user_id=subject.pk)


@member(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def task_force_settings(request: HttpRequest) -> HttpResponse:
    """The task force's settings a coordinator changes: its time zone."""
    actor: User = request.user  # type: ignore[assignment]
    task_force = actor.agency.task_force  # type: ignore[union-attr]  # member() requires one
    form = TimeZoneForm(request.POST or None, initial={"time_zone": task_force.time_zone})
    if request.method == "POST" and form.is_valid():
        try:
            services.task_force_time_zone_set(actor=actor, time_zone=form.cleaned_data["time_zone"])
        except AccordValidationError as error:
            _add_service_error(form, error)
        else:
            messages.success(request, gettext("The time zone was saved: times now show in it."))
            return redirect("accounts:task_force_settings")
    return render(
        request, "accounts/task_force_settings.html", {"form": form, "task_force": task_force}
    )
