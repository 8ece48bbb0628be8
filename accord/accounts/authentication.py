"""The two sign-in steps (S1-S3): password, then a TOTP code from a confirmed device.

Both steps answer a failure the same way whatever its cause (unknown user,
wrong password, locked or disabled account), so the answer never tells whether
an account exists or is locked. The causes are kept in the audit trail.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.audit.events import AuditEventType, Outcome
from accord.audit.services import audit_record

from .lockout import FailureOutcome, failure_record, lockout_is_active
from .models import AuthenticationStep, User

#: What every failed sign-in says, for unknown users, wrong passwords and locked accounts.
GENERIC_FAILURE = "The username or password is not correct, or the account cannot sign in now."
CODE_FAILURE = "That code is not valid. Enter the 6-digit code your authenticator app shows now."


class FailureReason(enum.StrEnum):
    UNKNOWN_USER = "unknown_user"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105  # a reason code, not a password
    LOCKED = "locked"
    DISABLED = "disabled"
    WRONG_CODE = "wrong_code"
    NO_DEVICE = "no_device"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class StepResult:
    """The answer of one step; ``reason`` is for the audit trail, never for the page."""

    user: User | None
    reason: FailureReason | None = None
    locked: bool = False
    device: TOTPDevice | None = None

    @property
    def succeeded(self) -> bool:
        return self.reason is None


def user_may_sign_in(user: User) -> bool:
    return user.is_active and user.disabled_at is None


def password_check(*, username: str, password: str, now: datetime | None = None) -> StepResult:
    """Check a username and password; count and audit failures.

    An unknown username still costs one password hash, so its answer takes about
    as long as a known one's. A locked account still has its password checked (same
    timing) and is refused whatever the password.
    """
    now = now or timezone.now()
    user = User.objects.filter(username=username).select_related("agency").first()
    if user is None:
        make_password(password)  # same work as a real check (S3 timing)
        _audit_failure(
            event=AuditEventType.LOGIN_FAILED, username=username, reason=FailureReason.UNKNOWN_USER
        )
        return StepResult(user=None, reason=FailureReason.UNKNOWN_USER)
    password_ok = user.check_password(password)
    if lockout_is_active(user=user, now=now):
        _audit_failure(event=AuditEventType.LOGIN_FAILED, user=user, reason=FailureReason.LOCKED)
        return StepResult(user=user, reason=FailureReason.LOCKED, locked=True)
    if not password_ok:
        outcome = failure_record(user=user, step=AuthenticationStep.PASSWORD, now=now)
        _audit_failure(
            event=AuditEventType.LOGIN_FAILED,
            user=user,
            reason=FailureReason.WRONG_PASSWORD,
            outcome=outcome,
        )
        return StepResult(user=user, reason=FailureReason.WRONG_PASSWORD, locked=outcome.locked_now)
    if not user_may_sign_in(user):
        _audit_failure(event=AuditEventType.LOGIN_FAILED, user=user, reason=FailureReason.DISABLED)
        return StepResult(user=user, reason=FailureReason.DISABLED)
    audit_record(
        event=AuditEventType.LOGIN_SUCCEEDED,
        username=user.get_username(),
        object_type="user",
        object_id=user.pk,
        subject_agency_id=user.agency_id,
        task_force_id=user.task_force_id,
        detail={"step": "password"},
    )
    return StepResult(user=user)


def confirmed_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))


def code_check(
    *,
    user: User,
    code: str,
    devices: list[TOTPDevice] | None = None,
    now: datetime | None = None,
    event_on_failure: AuditEventType = AuditEventType.MFA_FAILED,
) -> StepResult:
    """Check a TOTP code against the user's confirmed devices (or ``devices``).

    django-otp refuses a code already used (replay) and throttles devices after
    failures; a throttled device answers "wait" without counting a failure.
    """
    now = now or timezone.now()
    if lockout_is_active(user=user, now=now):
        _audit_failure(event=event_on_failure, user=user, reason=FailureReason.LOCKED, actor=user)
        return StepResult(user=user, reason=FailureReason.LOCKED, locked=True)
    if not user_may_sign_in(user):
        _audit_failure(event=event_on_failure, user=user, reason=FailureReason.DISABLED, actor=user)
        return StepResult(user=user, reason=FailureReason.DISABLED, locked=True)
    candidates = confirmed_devices(user) if devices is None else devices
    if not candidates:
        return StepResult(user=user, reason=FailureReason.NO_DEVICE)
    allowed = [device for device in candidates if device.verify_is_allowed()[0]]
    if not allowed:
        return StepResult(user=user, reason=FailureReason.THROTTLED)
    for device in allowed:
        if device.verify_token(code):
            return StepResult(user=user, device=device)
    outcome = failure_record(user=user, step=AuthenticationStep.SECOND_FACTOR, now=now)
    _audit_failure(
        event=event_on_failure,
        user=user,
        reason=FailureReason.WRONG_CODE,
        outcome=outcome,
        actor=user,
    )
    return StepResult(user=user, reason=FailureReason.WRONG_CODE, locked=outcome.locked_now)


def reauthentication_check(*, user: User, password: str, code: str) -> StepResult:
    """Password and a fresh TOTP code again, for privileged actions (S7).

    Failures count towards the lockout like sign-in failures do.
    """
    now = timezone.now()
    password_ok = user.check_password(password)
    if lockout_is_active(user=user, now=now):
        _audit_failure(
            event=AuditEventType.LOGIN_FAILED, user=user, reason=FailureReason.LOCKED, actor=user
        )
        return StepResult(user=user, reason=FailureReason.LOCKED, locked=True)
    if not password_ok:
        outcome = failure_record(user=user, step=AuthenticationStep.PASSWORD, now=now)
        _audit_failure(
            event=AuditEventType.LOGIN_FAILED,
            user=user,
            reason=FailureReason.WRONG_PASSWORD,
            outcome=outcome,
            actor=user,
        )
        return StepResult(user=user, reason=FailureReason.WRONG_PASSWORD, locked=outcome.locked_now)
    result = code_check(user=user, code=code, now=now)
    if result.succeeded:
        audit_record(
            event=AuditEventType.REAUTHENTICATED,
            actor=user,
            detail={"device": result.device.name if result.device else ""},
        )
    return result


def password_change_failure(*, user: User) -> StepResult:
    """A wrong current password on the change-password form: counted and audited (S2)."""
    outcome = failure_record(user=user, step=AuthenticationStep.PASSWORD, now=timezone.now())
    _audit_failure(
        event=AuditEventType.LOGIN_FAILED,
        user=user,
        reason=FailureReason.WRONG_PASSWORD,
        outcome=outcome,
        actor=user,
    )
    return StepResult(user=user, reason=FailureReason.WRONG_PASSWORD, locked=outcome.locked_now)


def _audit_failure(
    *,
    event: AuditEventType,
    reason: FailureReason,
    user: User | None = None,
    username: str = "",
    outcome: FailureOutcome | None = None,
    actor: User | None = None,
) -> None:
    detail: dict[str, object] = {"reason": str(reason)}
    if outcome is not None:
        detail["failures_in_window"] = outcome.failures_in_window
        detail["locked"] = outcome.locked_now
    audit_record(
        event=event,
        actor=actor,
        outcome=Outcome.FAILURE,
        username=user.get_username() if user is not None else username,
        object_type="user" if user is not None else "",
        object_id=user.pk if user is not None else "",
        subject_agency_id=user.agency_id if user is not None else None,
        task_force_id=user.task_force_id if user is not None else None,
        detail=detail,
    )
