"""Writes for joint training: catalog, materials, sessions, registration, attendance,
certificates, expiry notices. Each validates, changes in one transaction, audits,
and notifies after the commit.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accord.accounts.models import Role, TaskForce, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import PermissionDenied, ValidationError
from accord.mail import email_on_commit
from accord.protocols.selectors import protocol_in_force
from accord.schedule import in_past_message

from .models import (
    Attendance,
    AttendanceStatus,
    Certificate,
    Course,
    CourseMaterial,
    ExpiryNotice,
    Topic,
    TrainingSession,
)
from .selectors import add_months, is_cjis_course, may_record_attendance
from .uploads import check_upload

EXPIRY_THRESHOLDS_DAYS: tuple[int, ...] = (60, 30, 7)


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _require_coordinator(actor: User, what: str) -> None:
    if not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator %(what)s.") % {"what": what})


def course_create(
    *,
    actor: User,
    code: str,
    title: str,
    provider: str,
    duration_minutes: int,
    topics: Sequence[str] = (),
    renew_months: int | None = None,
    requirement_ids: Sequence[str] = (),
    description: str = "",
) -> Course:
    """Add a course to the task force's catalog."""
    _require_coordinator(actor, "edits the training catalog")
    task_force = actor.agency.task_force  # type: ignore[union-attr]  # a signed-in member always has an agency
    if Course.objects.filter(task_force=task_force, code=code).exists():
        raise ValidationError(
            _("A course with code %(code)s exists.") % {"code": repr(code)}, data={"field": "code"}
        )
    unknown_topics = sorted(set(topics) - set(Topic.values))
    if unknown_topics:
        raise ValidationError(
            _("Unknown topics: %(value)s.") % {"value": ", ".join(unknown_topics)},
            data={"field": "topics"},
        )
    version = protocol_in_force(task_force=task_force)
    if version is not None and requirement_ids:
        declared = {req.id for req in version.protocol.training}
        unknown = sorted(set(requirement_ids) - declared)
        if unknown:
            raise ValidationError(
                _("The protocol in force declares no training requirement %(value)s.")
                % {"value": ", ".join(unknown)},
                data={"field": "requirement_ids"},
            )
    if duration_minutes <= 0:
        raise ValidationError(
            _("Give the duration in minutes."), data={"field": "duration_minutes"}
        )
    with transaction.atomic():
        course = Course.objects.create(
            task_force=task_force,
            code=code,
            title=title.strip(),
            provider=provider.strip(),
            description=description.strip(),
            topics=list(topics),
            duration_minutes=duration_minutes,
            renew_months=renew_months,
            requirement_ids=list(requirement_ids),
        )
        audit_record(
            event=AuditEventType.TRAINING_CATALOG_CHANGED,
            actor=actor,
            object_type="training.course",
            object_id=course.pk,
            fields=["code", "title", "provider", "topics", "renew_months", "requirement_ids"],
            purpose="create",
        )
    return course


def material_upload(
    *, actor: User, course: Course, upload: UploadedFile, now: datetime | None = None
) -> CourseMaterial:
    """Attach a checked file (type by extension and content, size) to a course (S21)."""
    _require_coordinator(actor, "attaches course materials")
    checked = check_upload(upload)
    upload.name = f"{secrets.token_hex(16)}.{checked.kind}"  # never the user's file name on disk
    with transaction.atomic():
        material = CourseMaterial.objects.create(
            course=course,
            file=upload,
            original_name=checked.original_name,
            kind=checked.kind,
            size=checked.size,
            uploaded_by=actor,
            uploaded_at=_now(now),
        )
        audit_record(
            event=AuditEventType.TRAINING_MATERIAL_UPLOADED,
            actor=actor,
            object_type="training.material",
            object_id=material.pk,
            detail={"course": course.code, "kind": checked.kind, "size": checked.size},
        )
    return material


def _same_task_force(users: Iterable[User], task_force: TaskForce) -> list[User]:
    users = list(users)
    for user in users:
        if user.agency is None or user.agency.task_force_id != task_force.pk:
            raise ValidationError(
                _("Attendees and trainers must be members of this task force."),
                data={"field": "attendees"},
            )
    return users


def session_create(
    *,
    actor: User,
    course: Course,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    online_url: str = "",
    trainers: Sequence[User] = (),
    trainer_names: str = "",
    capacity: int | None = None,
    attendees: Sequence[User] = (),
    now: datetime | None = None,
) -> TrainingSession:
    """Schedule a session; a session already held must come with who attended."""
    now = _now(now)
    _require_coordinator(actor, "schedules training sessions")
    task_force = course.task_force
    if ends_at <= starts_at:
        raise ValidationError(_("The session must end after it starts."), data={"field": "ends_at"})
    if not place.strip() and not online_url.strip():
        raise ValidationError(_("Give a place or an online link."), data={"field": "place"})
    attendees = _same_task_force(attendees, task_force)
    trainers = _same_task_force(trainers, task_force)
    in_past = starts_at < now
    if in_past and not attendees:
        raise ValidationError(
            in_past_message("A training session")
            + _(
                " To record a session already held, record who attended when you add it "
                "(a past session with no attendance cannot be recorded)."
            ),
            data={"field": "starts_at"},
        )
    if capacity is not None and len(attendees) > capacity:
        raise ValidationError(
            _("%(value)s attendees exceed the capacity of %(capacity)s.")
            % {"value": len(attendees), "capacity": capacity},
            data={"field": "capacity"},
        )
    with transaction.atomic():
        session = TrainingSession.objects.create(
            course=course,
            starts_at=starts_at,
            ends_at=ends_at,
            place=place.strip(),
            online_url=online_url.strip(),
            trainer_names=trainer_names.strip(),
            capacity=capacity,
            created_by=actor,
        )
        session.trainers.set(trainers)
        audit_record(
            event=AuditEventType.TRAINING_SESSION_CHANGED,
            actor=actor,
            object_type="training.session",
            object_id=session.pk,
            fields=["course", "starts_at", "ends_at", "place", "online_url", "capacity"],
            purpose="create",
        )
        if in_past:
            for user in attendees:
                Attendance.objects.create(session=session, user=user)
            _record(actor=actor, session=session, attended_ids={u.pk for u in attendees}, now=now)
    return session


def session_register(
    *, actor: User, session: TrainingSession, user: User, now: datetime | None = None
) -> Attendance:
    """Register ``user`` (oneself, or anyone when a coordinator) for an upcoming session."""
    now = _now(now)
    if actor.pk != user.pk and not actor.has_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only a coordinator registers other people."))
    _same_task_force([user], session.course.task_force)
    if session.starts_at <= now:
        raise ValidationError(
            _("Registration is closed: the session has started."), data={"field": "session"}
        )
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        existing = Attendance.objects.filter(session=locked, user=user).first()
        if existing is not None:
            return existing
        if locked.capacity is not None and locked.attendances.count() >= locked.capacity:
            raise ValidationError(
                _("The session is full (%(capacity)s places).") % {"capacity": locked.capacity},
                data={"field": "capacity"},
            )
        attendance = Attendance.objects.create(session=locked, user=user)
        audit_record(
            event=AuditEventType.TRAINING_SESSION_CHANGED,
            actor=actor,
            object_type="training.session",
            object_id=session.pk,
            fields=["attendances"],
            purpose="register",
            detail={"user": user.username},
        )
    return attendance


def attendance_record(
    *,
    actor: User,
    session: TrainingSession,
    attended_user_ids: Iterable[int],
    add_users: Sequence[User] = (),
    now: datetime | None = None,
) -> list[Certificate]:
    """Record who attended a session that has started; issue their certificates.

    Registered people not marked attended are recorded absent. ``add_users`` are
    walk-ins (within capacity). Returns the certificates issued.
    """
    now = _now(now)
    if not may_record_attendance(viewer=actor, session=session):
        raise PermissionDenied(_("Only a coordinator or the session's trainers record attendance."))
    if session.starts_at > now:
        raise ValidationError(
            _("The session has not started yet; record attendance once it has taken place."),
            data={"field": "attended"},
        )
    add_users = _same_task_force(add_users, session.course.task_force)
    attended = set(attended_user_ids) | {user.pk for user in add_users}
    if not attended:
        raise ValidationError(
            _(
                "Mark at least one person as attended: a session that took place cannot be "
                "recorded with no attendance."
            ),
            data={"field": "attended"},
        )
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        registered = set(locked.attendances.values_list("user_id", flat=True))
        unknown = attended - registered - {user.pk for user in add_users}
        if unknown:
            raise ValidationError(
                _("Only registered people (or people added here) can be marked attended."),
                data={"field": "attended"},
            )
        newcomers = [user for user in add_users if user.pk not in registered]
        if locked.capacity is not None and len(registered) + len(newcomers) > locked.capacity:
            raise ValidationError(
                _("Adding %(value)s would exceed the capacity of %(capacity)s.")
                % {"value": len(newcomers), "capacity": locked.capacity},
                data={"field": "add_users"},
            )
        for user in newcomers:
            Attendance.objects.create(session=locked, user=user)
        return _record(actor=actor, session=locked, attended_ids=attended, now=now)


def _record(
    *, actor: User, session: TrainingSession, attended_ids: set[int], now: datetime
) -> list[Certificate]:
    issued: list[Certificate] = []
    course = session.course
    version = protocol_in_force(task_force=course.task_force)
    cjis = is_cjis_course(course=course, protocol=version.protocol if version else None)
    held_on = session.starts_at.date()
    for attendance in session.attendances.select_related("user"):
        status = (
            AttendanceStatus.ATTENDED
            if attendance.user_id in attended_ids
            else AttendanceStatus.ABSENT
        )
        attendance.status = status
        attendance.recorded_by = actor
        attendance.recorded_at = now
        attendance.save(update_fields=["status", "recorded_by", "recorded_at"])
        if status != AttendanceStatus.ATTENDED:
            continue
        certificate, created = Certificate.objects.get_or_create(
            user=attendance.user,
            course=course,
            issued_on=held_on,
            defaults={
                "session": session,
                "expires_on": add_months(held_on, course.renew_months)
                if course.renew_months
                else None,
                "recorded_by": actor,
                "recorded_at": now,
            },
        )
        if created:
            issued.append(certificate)
            audit_record(
                event=AuditEventType.TRAINING_CERTIFICATE_ISSUED,
                actor=actor,
                object_type="training.certificate",
                object_id=certificate.pk,
                subject_agency_id=attendance.user.agency_id,
                detail={"user": attendance.user.username, "course": course.code},
            )
        if cjis:
            _cjis_date_update(actor=actor, user=attendance.user, trained_on=held_on)
    session.attendance_recorded_at = now
    session.save(update_fields=["attendance_recorded_at"])
    audit_record(
        event=AuditEventType.TRAINING_ATTENDANCE_RECORDED,
        actor=actor,
        object_type="training.session",
        object_id=session.pk,
        fields=["attendances"],
        detail={"attended": len(attended_ids)},
    )
    return issued


def _cjis_date_update(*, actor: User, user: User, trained_on: date) -> None:
    """The S14 personnel gate reads ``User.cjis_training_on``: keep it at the latest date."""
    if user.cjis_training_on is not None and user.cjis_training_on >= trained_on:
        return
    old = user.cjis_training_on
    User.objects.filter(pk=user.pk).update(cjis_training_on=trained_on)
    user.cjis_training_on = trained_on
    audit_record(
        event=AuditEventType.USER_UPDATED,
        actor=actor,
        object_type="accounts.user",
        object_id=user.pk,
        fields=["cjis_training_on"],
        subject_agency_id=user.agency_id,
        purpose="CJIS security awareness attendance recorded",
        detail={"old": str(old) if old else None, "new": str(trained_on)},
    )


@dataclass(frozen=True)
class ExpiryNotification:
    certificate_id: int
    threshold_days: int
    recipients: tuple[str, ...]


def training_expiry_notify(
    *, today: date, thresholds: Sequence[int] = EXPIRY_THRESHOLDS_DAYS
) -> list[ExpiryNotification]:
    """Tell the person and their agency lead about certificates expiring soon.

    Only each person's latest certificate per course counts (a renewed one is not
    nagged about). One notice per certificate per threshold, whatever the run count.
    """
    sent: list[ExpiryNotification] = []
    horizon = today + timedelta(days=max(thresholds))
    candidates = Certificate.objects.filter(
        expires_on__isnull=False, expires_on__gte=today, expires_on__lte=horizon
    ).select_related("user__agency__lead", "course")
    for certificate in candidates:
        newer = Certificate.objects.filter(
            user=certificate.user, course=certificate.course, issued_on__gt=certificate.issued_on
        ).exists()
        if newer:
            continue
        days_left = (certificate.expires_on - today).days  # type: ignore[operator]
        threshold = min(t for t in thresholds if days_left <= t)
        with transaction.atomic():
            notice, created = ExpiryNotice.objects.get_or_create(
                certificate=certificate,
                threshold_days=threshold,
                defaults={"sent_at": timezone.now()},
            )
            if not created:
                continue
            person = certificate.user
            lead = person.agency.lead if person.agency else None
            recipients = [person] + ([lead] if lead and lead.pk != person.pk else [])
            notice.recipients = [user.username for user in recipients]
            notice.save(update_fields=["recipients"])
            email_on_commit(
                subject=f"[Accord] Training expires on {certificate.expires_on:%Y-%m-%d}",
                body=(
                    f"{person}'s certificate for “{certificate.course.title}” expires on "
                    f"{certificate.expires_on:%Y-%m-%d} ({days_left} days).\n"
                    "See the training sessions in Accord to renew it.\n"
                ),
                emails=[user.email for user in recipients],
            )
            audit_record(
                event=AuditEventType.TRAINING_EXPIRY_NOTIFIED,
                object_type="training.certificate",
                object_id=certificate.pk,
                task_force_id=certificate.course.task_force_id,
                subject_agency_id=person.agency_id,
                detail={"threshold_days": threshold, "recipients": notice.recipients},
            )
        sent.append(
            ExpiryNotification(
                certificate_id=certificate.pk,
                threshold_days=threshold,
                recipients=tuple(notice.recipients),
            )
        )
    return sent
