"""Who may use an API operation (S8), and how a request proves it is a member (S1, S20).

Every operation carries exactly one declaration, ``@for_members(*roles)``, which

- marks the view function with the same ``Access`` value the pages use
  (``accord.accounts.access``), so a test can enumerate every operation of the
  ``NinjaAPI`` and fail on one without it, and
- installs ``MemberSession(access)`` as the operation's only authentication:
  the page session, fully authenticated (password AND second factor), of a user
  of a member agency, CSRF-checked on every unsafe method, holding one of the
  roles when roles are given.

Deny by default: the API's own fallback authentication is ``Undeclared``, which
refuses (and audits) any operation that forgot its declaration. Denials are
audited like the pages' (S15).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial, wraps
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf, contribute_operation_callback

from accord.accounts.access import ATTRIBUTE, Access, access_of
from accord.audit.events import AuditEventType, Outcome
from accord.errors import PermissionDenied

if TYPE_CHECKING:
    from ninja import NinjaAPI
    from ninja.operation import Operation

Func = TypeVar("Func", bound=Callable[..., Any])

AUTHENTICATION_REQUIRED = "authentication required"
SECOND_FACTOR_REQUIRED = "second factor required"


class NotAuthenticated(Exception):
    """No session, or a session that has not passed the second factor: answered 401."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class CsrfRefused(Exception):
    """An unsafe method without a valid CSRF token: answered 403."""


def fully_authenticated(request: HttpRequest) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_verified())  # type: ignore[attr-defined]  # django-otp adds it


def require_member(request: HttpRequest) -> Any:
    """The signed-in member, or ``NotAuthenticated`` saying which step is missing (S1)."""
    user = request.user
    if not user.is_authenticated or not user.is_active:
        raise NotAuthenticated(AUTHENTICATION_REQUIRED, "Sign in with password and second factor.")
    if not fully_authenticated(request):
        raise NotAuthenticated(
            SECOND_FACTOR_REQUIRED,
            "This session has passed the password only: complete the second factor first.",
        )
    return user


def deny(request: HttpRequest, *, reason: str, message: str, code: str = "forbidden") -> None:
    """Audit the refusal (S15), then raise it (403)."""
    from accord.audit.services import audit_record

    user = request.user if request.user.is_authenticated else None
    audit_record(
        event=AuditEventType.ACCESS_DENIED,
        actor=user,
        outcome=Outcome.DENIED,
        object_type="api",
        object_id=request.path[:80],
        detail={"reason": reason, "method": request.method},
    )
    raise PermissionDenied(message, code=code)


class MemberSession(APIKeyCookie):
    """The page session, fully authenticated, of a member agency's user holding the roles.

    Checks run in the order a person can act on: signed in (401), second factor
    (401), member agency and CSRF token (403), role (403).
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, access: Access) -> None:
        super().__init__(csrf=True)
        self.access = access

    def __call__(self, request: HttpRequest) -> Any:
        user = require_member(request)
        if user.agency_id is None:
            deny(request, reason="no member agency", message="Only users of a member agency.")
        if check_csrf(request) is not None:
            raise CsrfRefused()
        if self.access.roles and not user.has_role(*self.access.roles):
            needed = "/".join(sorted(self.access.roles))
            deny(
                request,
                reason=f"needs role {needed}",
                message=f"This operation is for these roles: {', '.join(sorted(self.access.roles))}.",
            )
        return user

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover
        return None  # ``__call__`` does the whole check


class Undeclared(MemberSession):
    """The API-wide fallback: an operation without ``@for_members`` is refused (S8)."""

    def __init__(self) -> None:
        super().__init__(Access(level="undeclared"))

    def __call__(self, request: HttpRequest) -> Any:
        deny(
            request,
            reason="undeclared view",
            message="This API operation declares no access, so nobody may use it.",
            code="undeclared_operation",
        )


def _install(auth: MemberSession, operation: Operation) -> None:
    operation.auth_param = [auth]
    operation._set_auth([auth])


def for_members(*roles: str) -> Callable[[Func], Func]:
    """Declare and enforce who may use an operation: a fully authenticated member, holding at
    least one of ``roles`` when given. Works above or below ``@router.<method>``."""
    access = Access(level="member", roles=frozenset(roles))
    auth = MemberSession(access)

    def decorator(func: Func) -> Func:
        setattr(func, ATTRIBUTE, access)
        operation = getattr(func, "_ninja_operation", None)
        if operation is not None:
            _install(auth, operation)
        else:
            contribute_operation_callback(func, partial(_install, auth))
        return func

    return decorator


# --- enumeration (the S8 test) -----------------------------------------------------------------


@dataclass(frozen=True)
class DeclaredOperation:
    method: str
    path: str
    name: str
    access: Access | None
    enforced: bool  # the operation's authentication is the MemberSession of its declaration

    def describe(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


def api_operations(api: NinjaAPI) -> Iterator[DeclaredOperation]:
    """Every operation of ``api``, as bound (nested routers included), with its declaration."""
    for bound in api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                access = access_of(operation.view_func)
                callbacks = list(operation.auth_callbacks)
                enforced = (
                    access is not None
                    and len(callbacks) == 1
                    and type(callbacks[0]) is MemberSession
                    and callbacks[0].access == access
                )
                for method in operation.methods:
                    yield DeclaredOperation(
                        method=method,
                        path="/".join(p.strip("/") for p in (bound.prefix, path) if p.strip("/")),
                        name=operation.view_func.__name__,
                        access=access,
                        enforced=enforced,
                    )


def undeclared_operations(api: NinjaAPI) -> list[str]:
    """Operations without a declaration, or whose authentication does not enforce it."""
    return [op.describe() for op in api_operations(api) if not op.enforced]


# --- the OpenAPI document ----------------------------------------------------------------------


def members_only(view: Func) -> Func:
    """The OpenAPI document is for fully authenticated members only (as a URL it is declared
    ``member()`` too, so the access middleware refuses others before this runs)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            require_member(request)
        except NotAuthenticated as refused:
            return JsonResponse(
                {"error": refused.code, "message": refused.message, "field": None}, status=401
            )
        if request.user.agency_id is None:  # type: ignore[union-attr]
            return JsonResponse(
                {"error": "forbidden", "message": "Only users of a member agency.", "field": None},
                status=403,
            )
        return view(request, *args, **kwargs)

    setattr(guarded, ATTRIBUTE, Access(level="member"))
    return guarded  # type: ignore[return-value]
