"""Access declarations (S8): every view says who may use it, or it is refused.

A view is declared with exactly one of these decorators. The
``AccessDeclarationMiddleware`` enforces the declaration before the view runs, and
a test walks the URL resolver and fails on any view without one. Undeclared views
are denied at run time too (fail closed).

Levels, from most open to most closed:

- ``public``: the banner, login, password reset (no session needed).
- ``password_step``: reached with a password-only session, i.e. the second-factor
  step itself. Nothing else is (S1).
- ``member(*roles)``: a fully authenticated (password + second factor) user of a
  member agency; with roles, holding at least one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils.translation import gettext as _

from accord.errors import PermissionDenied

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accord.accounts.models import Agency, User

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., Any])

ATTRIBUTE = "accord_access"


@dataclass(frozen=True)
class Access:
    level: str  # "public" | "password_step" | "member"
    roles: frozenset[str] = frozenset()
    recent_auth: bool = False  # privileged action: needs a re-authentication within the window (S7)

    def describe(self) -> str:
        if self.level != "member":
            return self.level
        who = ", ".join(sorted(self.roles)) if self.roles else "any member"
        return f"member ({who})" + (", recent re-authentication" if self.recent_auth else "")


def _declare(access: Access) -> Callable[[ViewFunc], ViewFunc]:
    def decorator(view: ViewFunc) -> ViewFunc:
        setattr(view, ATTRIBUTE, access)
        return view

    return decorator


def public(view: ViewFunc) -> ViewFunc:
    """Anyone, signed in or not: only pages that take credentials or show the notice."""
    return _declare(Access(level="public"))(view)


def password_step(view: ViewFunc) -> ViewFunc:
    """A session that has passed the password but not yet the second factor."""
    return _declare(Access(level="password_step"))(view)


def member(*roles: str, recent_auth: bool = False) -> Callable[[ViewFunc], ViewFunc]:
    """A fully authenticated member; with ``roles``, holding at least one of them."""
    return _declare(Access(level="member", roles=frozenset(roles), recent_auth=recent_auth))


def access_of(view: Callable[..., Any]) -> Access | None:
    """The declaration of a resolved view callback (class-based views included)."""
    declared = getattr(view, ATTRIBUTE, None)
    if declared is None and hasattr(view, "view_class"):
        declared = getattr(view.view_class, ATTRIBUTE, None)
    return declared


def member_user(request: HttpRequest) -> User:
    """The signed-in user a ``member`` view runs for, typed as such.

    The middleware refuses anyone else before the view runs; the check here only turns that
    guarantee into a type (and fails closed should a view be declared wrongly)."""
    from accord.accounts.models import User

    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied(_("Sign in as a member of the task force to see this page."))
    return user


def member_agency(request: HttpRequest) -> Agency:
    """The agency of the user a ``member`` view runs for (the middleware refuses a user of none)."""
    agency = member_user(request).agency
    if agency is None:
        raise PermissionDenied(_("Only a user of a member agency may see this page."))
    return agency
