"""Writes about accounts: users, roles, lifecycle and second-factor devices (S2, S7).

Every service is keyword-only, validates first, changes inside
``transaction.atomic`` and writes its audit event in the same transaction (an
audit failure undoes the change, S17). Coordinators act only on users of their
own task force; a user of another task force looks like no user at all (404).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.audit.events import AuditEventType, Outcome
from accord.audit.services import audit_record
from accord.errors import NotFound, PermissionDenied, ValidationError
from accord.mail import email_queue

from .lockout import failures_clear
from .models import Agency, Role, RoleGrant, TaskForce, User
from .sessions import sessions_end_for_user

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9.@+_-]{3,150}$")


# --- scope -----------------------------------------------------------------------------------


def _require_coordinator(actor: User) -> None:
    if not actor.has_role(Role.COORDINATOR) or actor.task_force_id is None:
        raise PermissionDenied(gettext("Only a coordinator of a task force may manage its users."))


def user_in_scope(*, actor: User, user_id: int) -> User:
    """The user ``user_id`` if they belong to the coordinator's task force, else NotFound."""
    _require_coordinator(actor)
    user = (
        User.objects.select_related("agency", "agency__task_force")
        .filter(pk=user_id, agency__task_force_id=actor.task_force_id)
        .first()
    )
    if user is None:
        raise NotFound(gettext("No such user."))
    return user


def _agency_in_scope(*, actor: User, agency: Agency) -> None:
    if agency.task_force_id != actor.task_force_id:
        raise ValidationError(
            gettext("The agency is not a member of your task force."), data={"field": "agency"}
        )


def _clean_roles(roles: Iterable[str]) -> frozenset[str]:
    cleaned = frozenset(str(role) for role in roles)
    unknown = cleaned - set(Role.values)
    if unknown:
        raise ValidationError(
            gettext("Unknown role: %(value)s.") % {"value": ", ".join(sorted(unknown))},
            data={"field": "roles"},
        )
    return cleaned


def _user_audit(
    *, event: AuditEventType, actor: User | None, user: User, detail: dict[str, object]
) -> None:
    audit_record(
        event=event,
        actor=actor,
        username="" if actor is not None else "system",
        object_type="user",
        object_id=user.pk,
        subject_agency_id=user.agency_id,
        task_force_id=user.task_force_id,
        detail={"username": user.get_username(), **detail},
    )


# --- users -----------------------------------------------------------------------------------


def user_create(
    *,
    actor: User,
    agency: Agency,
    username: str,
    email: str,
    roles: Iterable[str],
    display_name: str = "",
    password: str | None = None,
) -> User:
    """Create a user in an agency of the coordinator's task force, with roles.

    Without ``password`` the account gets an unusable password: the person sets
    one through the e-mailed link (``password_reset_send``).
    """
    _require_coordinator(actor)
    _agency_in_scope(actor=actor, agency=agency)
    return _user_insert(
        actor=actor,
        agency=agency,
        username=username,
        email=email,
        roles=roles,
        display_name=display_name,
        password=password,
    )


def _user_insert(
    *,
    actor: User | None,
    agency: Agency,
    username: str,
    email: str,
    roles: Iterable[str],
    display_name: str,
    password: str | None,
) -> User:
    """Validate and store a user with roles; ``actor`` None means the operator (bootstrap)."""
    if not USERNAME_PATTERN.match(username):
        raise ValidationError(
            gettext("Use 3 to 150 letters, digits or . @ + - _ for the username."),
            data={"field": "username"},
        )
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            gettext("That username is already taken."), data={"field": "username"}
        )
    cleaned_roles = _clean_roles(roles)
    candidate = User(username=username, email=email, display_name=display_name, agency=agency)
    if password:
        try:
            validate_password(password, user=candidate)
        except DjangoValidationError as exc:
            raise ValidationError(" ".join(exc.messages), data={"field": "password"}) from exc
    with transaction.atomic():
        if password:
            candidate.set_password(password)
        else:
            candidate.set_unusable_password()
        candidate.last_activity_at = timezone.now()
        candidate.save()
        RoleGrant.objects.bulk_create(
            [RoleGrant(user=candidate, role=role) for role in sorted(cleaned_roles)]
        )
        _user_audit(
            event=AuditEventType.USER_CREATED,
            actor=actor,
            user=candidate,
            detail={"agency_id": agency.pk, "roles": sorted(cleaned_roles)},
        )
        for role in sorted(cleaned_roles):
            _user_audit(
                event=AuditEventType.ROLE_GRANTED,
                actor=actor,
                user=candidate,
                detail={"role": role},
            )
    return candidate


def user_update_roles(*, actor: User, user: User, roles: Iterable[str]) -> User:
    """Set exactly these roles. A privileged action (S7): views need recent re-authentication."""
    _require_coordinator(actor)
    user = user_in_scope(actor=actor, user_id=user.pk)
    wanted = _clean_roles(roles)
    current = frozenset(user.role_grants.values_list("role", flat=True))
    if user.pk == actor.pk and Role.COORDINATOR in current and Role.COORDINATOR not in wanted:
        raise ValidationError(
            gettext("You cannot remove your own coordinator role; ask another coordinator."),
            data={"field": "roles"},
        )
    if wanted == current:
        return user
    with transaction.atomic():
        for role in sorted(wanted - current):
            RoleGrant.objects.create(user=user, role=role)
            _user_audit(
                event=AuditEventType.ROLE_GRANTED, actor=actor, user=user, detail={"role": role}
            )
        for role in sorted(current - wanted):
            RoleGrant.objects.filter(user=user, role=role).delete()
            _user_audit(
                event=AuditEventType.ROLE_REVOKED, actor=actor, user=user, detail={"role": role}
            )
    user._role_set = None  # type: ignore[assignment]  # cached grants are stale now
    return user


def user_disable(
    *, actor: User | None, user: User, reason: str, now: datetime | None = None
) -> User:
    """Disable at once: the account cannot sign in and its sessions end now (S7).

    ``actor`` is None for the inactivity job; otherwise a coordinator of the
    user's task force, who may not disable themselves.
    """
    now = now or timezone.now()
    if actor is not None:
        user = user_in_scope(actor=actor, user_id=user.pk)
        if user.pk == actor.pk:
            raise ValidationError(
                gettext("You cannot disable your own account."), data={"field": "user"}
            )
    reason = reason.strip()[:200] or "disabled by a coordinator"
    if not user.is_active and user.disabled_at is not None:
        return user
    with transaction.atomic():
        user.is_active = False
        user.disabled_at = now
        user.disabled_reason = reason
        user.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
        _user_audit(
            event=AuditEventType.USER_DISABLED, actor=actor, user=user, detail={"reason": reason}
        )
        sessions_end_for_user(user=user, actor=actor, reason="account disabled")
    return user


def user_enable(*, actor: User, user: User) -> User:
    """Re-enable; the inactivity clock restarts so the job does not disable them again."""
    user = user_in_scope(actor=actor, user_id=user.pk)
    if user.is_active and user.disabled_at is None:
        return user
    with transaction.atomic():
        user.is_active = True
        user.disabled_at = None
        user.disabled_reason = ""
        user.last_activity_at = timezone.now()
        user.save(update_fields=["is_active", "disabled_at", "disabled_reason", "last_activity_at"])
        _user_audit(event=AuditEventType.USER_ENABLED, actor=actor, user=user, detail={})
    return user


def user_unlock(*, actor: User, user: User) -> User:
    """End a lockout before its time (S2) and start the failure count afresh."""
    user = user_in_scope(actor=actor, user_id=user.pk)
    with transaction.atomic():
        was_locked_until = user.locked_until
        user.locked_until = None
        user.save(update_fields=["locked_until"])
        failures_clear(user=user)
        audit_record(
            event=AuditEventType.ACCOUNT_UNLOCKED,
            actor=actor,
            object_type="user",
            object_id=user.pk,
            subject_agency_id=user.agency_id,
            task_force_id=user.task_force_id,
            detail={
                "username": user.get_username(),
                "was_locked_until": was_locked_until.isoformat() if was_locked_until else None,
            },
        )
    return user


def user_second_factor_reset(*, actor: User, user: User) -> int:
    """Remove the user's TOTP devices and end their sessions; they enrol again at next sign-in.

    Returns the number of devices removed.
    """
    user = user_in_scope(actor=actor, user_id=user.pk)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        _user_audit(
            event=AuditEventType.MFA_DEVICE_RESET,
            actor=actor,
            user=user,
            detail={"devices_removed": removed},
        )
        sessions_end_for_user(user=user, actor=actor, reason="second factor reset")
    return removed


def users_disable_inactive(*, now: datetime) -> list[User]:
    """Disable active users without activity for ACCORD_INACTIVE_DISABLE_AFTER (S7).

    A user who never signed in counts from the day the account was created.
    """
    cutoff = now - settings.ACCORD_INACTIVE_DISABLE_AFTER
    stale = User.objects.filter(is_active=True).filter(
        Q(last_activity_at__lt=cutoff) | Q(last_activity_at__isnull=True, date_joined__lt=cutoff)
    )
    days = settings.ACCORD_INACTIVE_DISABLE_AFTER.days
    disabled = []
    for user in stale.select_related("agency"):
        disabled.append(
            user_disable(
                actor=None, user=user, reason=f"inactive for more than {days} days", now=now
            )
        )
    return disabled


def user_activity_touch(*, user: User, now: datetime) -> None:
    User.objects.filter(pk=user.pk).update(last_activity_at=now)
    user.last_activity_at = now


# --- second-factor devices -------------------------------------------------------------------


def totp_device_create(
    *,
    user: User,
    key_hex: str | None = None,
    name: str = "authenticator",
    confirmed: bool = True,
) -> TOTPDevice:
    """Give a user a TOTP device; with ``key_hex`` the secret is known in advance.

    A known key is for the demo loader only (it prints the keys so people can add
    them to an authenticator app); production settings refuse that
    (``ACCORD_ALLOW_DEMO_TOTP`` is False there).
    """
    if key_hex is not None:
        if not getattr(settings, "ACCORD_ALLOW_DEMO_TOTP", False):
            raise PermissionDenied(
                gettext("Known TOTP keys are for the demo only; this deployment refuses them.")
            )
        if not re.fullmatch(r"(?:[0-9a-fA-F]{2}){10,40}", key_hex):
            raise ValidationError(
                gettext("The key must be 10 to 40 bytes in hex."), data={"field": "key_hex"}
            )
    with transaction.atomic():
        device = TOTPDevice(user=user, name=name[:64], confirmed=confirmed)
        if key_hex is not None:
            device.key = key_hex.lower()
        device.save()
        if confirmed:
            audit_record(
                event=AuditEventType.MFA_DEVICE_ENROLLED,
                username=user.get_username(),
                object_type="user",
                object_id=user.pk,
                subject_agency_id=user.agency_id,
                task_force_id=user.task_force_id,
                detail={"device": device.name, "known_key": key_hex is not None},
            )
    return device


# --- password reset --------------------------------------------------------------------------


def password_reset_send(*, user: User, site_url: str) -> None:
    """E-mail ``user`` a one-time link (Django's token generator) to choose a password.

    The token dies when the password changes or after PASSWORD_RESET_TIMEOUT.
    The second factor is still needed to sign in afterwards.
    """
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    body = render_to_string(
        "accounts/email/password_reset.txt",
        {"user": user, "link": f"{site_url.rstrip('/')}{path}", "hours": hours},
    )
    email_queue(subject="Accord: choose your password", body=body, emails=[user.email])


def password_reset_request(*, email: str, site_url: str) -> int:
    """Send a reset link to every active account with this e-mail address.

    The caller answers the same whether or not an account matched (S3); the
    count returned is for tests and the audit trail only.
    """
    users = list(User.objects.filter(email__iexact=email.strip(), is_active=True))
    for user in users:
        password_reset_send(user=user, site_url=site_url)
        audit_record(
            event=AuditEventType.PASSWORD_RESET_REQUESTED,
            username=user.get_username(),
            object_type="user",
            object_id=user.pk,
            subject_agency_id=user.agency_id,
            task_force_id=user.task_force_id,
        )
    if not users:
        audit_record(
            event=AuditEventType.PASSWORD_RESET_REQUESTED,
            outcome=Outcome.FAILURE,
            detail={"reason": "no active account with that address"},
        )
    return len(users)


# --- second-factor enrolment and password change ----------------------------------------------


def totp_enrolment_device(*, user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling (one is made on first need)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def totp_enrolment_confirm(*, user: User, device: TOTPDevice) -> TOTPDevice:
    """The code matched: the device becomes the user's second factor; other drafts go."""
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit_record(
            event=AuditEventType.MFA_DEVICE_ENROLLED, actor=user, detail={"device": device.name}
        )
    return device


def password_change_record(*, user: User, new_password: str) -> None:
    """Store a new password the form has validated (S4) and audit it."""
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit_record(event=AuditEventType.PASSWORD_CHANGED, actor=user)


# --- the task force's settings ----------------------------------------------------------------


def task_force_time_zone_set(*, actor: User, time_zone: str) -> TaskForce:
    """Set the zone the actor's task force works in (coordinators only): every time is shown
    and read in it from the next request on. An unknown IANA name is refused naming the
    field; the same zone again changes nothing and writes nothing."""
    from accord.zones import valid_zone_names

    if actor.agency is None or not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(gettext("Only the task force's coordinators change its settings."))
    task_force = actor.agency.task_force
    name = (time_zone or "").strip()
    if name not in valid_zone_names():
        raise ValidationError(
            gettext(
                "Time zone: '%(name)s' is not a time zone name this system knows; "
                "choose one from the list (for example America/Chicago)."
            )
            % {"name": name},
            data={"field": "time_zone"},
        )
    old = task_force.time_zone
    if name == old:
        return task_force
    with transaction.atomic():
        task_force.time_zone = name
        task_force.save(update_fields=["time_zone"])
        audit_record(
            event=AuditEventType.TASK_FORCE_TIME_ZONE_CHANGED,
            actor=actor,
            object_type="task_force",
            object_id=task_force.pk,
            task_force_id=task_force.pk,
            detail={"old": old, "new": name},
        )
    return task_force
