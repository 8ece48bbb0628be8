"""Cross-cutting request handling: request ids, access declarations, caching, error pages."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.access import access_of
from accord.audit import context
from accord.audit.events import AuditEventType, Outcome
from accord.errors import AccordError, AuditUnavailable, ConflictError, NotFound, PermissionDenied
from accord.errors import ValidationError as AccordValidationError

logger = logging.getLogger("accord.web")

Handler = Callable[[HttpRequest], HttpResponse]


class RequestIdMiddleware:
    """Give every request an id (also sent back as X-Request-ID) for the audit trail."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = secrets.token_hex(8)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.activate(
            context.RequestContext(
                request_id=request_id, ip_address=request.META.get("REMOTE_ADDR", "")
            )
        )
        try:
            response = self.get_response(request)
        finally:
            context.deactivate(token)
        response["X-Request-ID"] = request_id
        return response


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _is_fully_authenticated(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_verified())  # type: ignore[attr-defined]  # django-otp adds it


class AccessDeclarationMiddleware:
    """Enforce each view's access declaration; refuse undeclared views (fail closed)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        access = access_of(view_func)
        if access is None:
            logger.error("view without access declaration refused: %s", request.path)
            return _deny(request, reason="undeclared view")
        if access.level == "public":
            return None
        user = request.user
        if not user.is_authenticated:
            return _to_login(request)
        if access.level == "password_step":
            return None
        if not _is_fully_authenticated(request):
            if wants_json(request) or request.htmx:  # type: ignore[attr-defined]
                return JsonResponse({"error": "second factor required"}, status=401)
            return HttpResponseRedirect(reverse("accounts:mfa"))
        if user.agency_id is None:
            return _deny(request, reason="no member agency")
        if access.roles and not user.has_role(*access.roles):
            return _deny(request, reason=f"needs role {'/'.join(sorted(access.roles))}")
        if access.recent_auth and not _recently_authenticated(request):
            # The full path: an export asked for with filters comes back with the same filters.
            back = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:reauthenticate')}?{back}")
        return None


def _recently_authenticated(request: HttpRequest) -> bool:
    stamp = request.session.get("accord_reauth_at")
    if not stamp:
        return False
    window: timedelta = settings.ACCORD_REAUTH_WINDOW
    return timezone.now().timestamp() - float(stamp) <= window.total_seconds()


def _to_login(request: HttpRequest) -> HttpResponse:
    if wants_json(request) or getattr(request, "htmx", False):
        return JsonResponse({"error": "authentication required"}, status=401)
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")


def _deny(request: HttpRequest, *, reason: str) -> HttpResponse:
    from accord.audit.services import audit_record

    user = request.user if request.user.is_authenticated else None
    audit_record(
        event=AuditEventType.ACCESS_DENIED,
        actor=user,
        outcome=Outcome.DENIED,
        object_type="url",
        object_id=request.path[:80],
        detail={"reason": reason, "method": request.method},
    )
    if wants_json(request):
        return JsonResponse({"error": "forbidden"}, status=403)
    return render(
        request,
        "web/error.html",
        {"title": _("Not allowed"), "message": _("You do not have access to this page.")},
        status=403,
    )


class NoStoreMiddleware:
    """Authenticated pages must not be cached by browsers or proxies (S20)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


ERROR_STATUS: dict[type[AccordError], int] = {
    AuditUnavailable: 503,
    NotFound: 404,
    PermissionDenied: 403,
    ConflictError: 409,
    AccordValidationError: 400,
}


def status_for(error: AccordError) -> int:
    for error_class, status in ERROR_STATUS.items():
        if isinstance(error, error_class):
            return status
    return 400


class AccordErrorMiddleware:
    """The one place Accord errors become HTTP answers: a message, never a traceback."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccordError):
            return None
        status = status_for(exception)
        if status == 503:
            logger.error("refusing response: %s", exception.code)
        if wants_json(request):
            return JsonResponse(
                {"error": exception.code, "message": exception.message}, status=status
            )
        titles = {
            503: _("Temporarily unavailable"),
            404: _("Not found"),
            403: _("Not allowed"),
            409: _("Changed by someone else"),
        }
        return render(
            request,
            "web/error.html",
            {"title": titles.get(status, _("Cannot do that")), "message": exception.message},
            status=status,
        )
