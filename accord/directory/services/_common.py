"""Checks every directory write shares: who acts, whose entry, which version."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accord.accounts.models import User
from accord.errors import ConflictError, PermissionDenied

from ..models import (
    Organization,
    Service,
)
from ..selectors import (
    Viewer,
    may_maintain,
)


def _actor(actor: Viewer | None) -> User | None:
    return actor if isinstance(actor, User) else None


def _check_version(record: Organization | Service, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != record.version:
        raise ConflictError(
            _(
                "%(name)s was changed by someone else since you opened it (your copy "
                "is version %(expected_version)s, the directory has version "
                "%(version)s). Reload the page and make your change again."
            )
            % {
                "name": record.name,
                "expected_version": expected_version,
                "version": record.version,
            },
            data={"expected": expected_version, "current": record.version},
        )


def _require_maintainer(actor: User, organization: Organization) -> None:
    if not may_maintain(viewer=actor, organization=organization):
        raise PermissionDenied(
            _("Only coordinators and users of this organization's agency may change its entry.")
        )
