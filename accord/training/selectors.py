"""Reads for training: compliance per person and per agency, and the gate other apps call.

Compliance compares each training requirement of the protocol in force that
applies to a person's roles with that person's certificates. Every item says
why it has its status (which certificate, until when), because someone will ask.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, Role, RoleGrant, TaskForce, User
from accord.core.model import Protocol, TrainingRequirement
from accord.errors import NotFound
from accord.protocols.selectors import protocol_in_force

from .models import Certificate, Course, Topic, TrainingSession

EXPIRING_WITHIN_DAYS = 60
CJI_ACCESS = "cji_access"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 January + 1 month = 28/29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Status:
    MET = "met"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"


@dataclass(frozen=True)
class ComplianceItem:
    requirement_id: str
    course: str  # the requirement's course title, as the protocol names it
    status: str  # Status.*
    reason: str
    certificate_id: int | None = None
    expires_on: date | None = None
    gates: tuple[str, ...] = ()


@dataclass(frozen=True)
class PersonCompliance:
    user: User
    items: tuple[ComplianceItem, ...]

    @property
    def compliant(self) -> bool:
        return all(item.status in (Status.MET, Status.EXPIRING) for item in self.items)

    @property
    def missing(self) -> tuple[ComplianceItem, ...]:
        return tuple(i for i in self.items if i.status in (Status.MISSING, Status.EXPIRED))

    @property
    def expiring(self) -> tuple[ComplianceItem, ...]:
        return tuple(i for i in self.items if i.status == Status.EXPIRING)


@dataclass(frozen=True)
class AgencyCompliance:
    agency: Agency
    people: tuple[PersonCompliance, ...]
    protocol_title: str

    @property
    def compliant_count(self) -> int:
        return sum(1 for person in self.people if person.compliant)


@dataclass(frozen=True)
class GateResult:
    """May this person do work that needs these requirements on that day, and if not, why."""

    allowed: bool
    missing: tuple[str, ...]  # course titles
    message: str


def requirements_for(*, user: User, protocol: Protocol | None) -> tuple[TrainingRequirement, ...]:
    if protocol is None:
        return ()
    roles = user.role_set
    return tuple(req for req in protocol.training if req.roles & roles)


def _certificates(user: User) -> list[Certificate]:
    return list(Certificate.objects.filter(user=user).select_related("course"))


def _effective_expiry(certificate: Certificate, requirement: TrainingRequirement) -> date | None:
    """The stricter of the certificate's own expiry and the requirement's renewal period."""
    candidates = [certificate.expires_on] if certificate.expires_on else []
    if requirement.renew_months:
        candidates.append(add_months(certificate.issued_on, requirement.renew_months))
    return min(candidates) if candidates else None


def _item(
    requirement: TrainingRequirement, certificates: Sequence[Certificate], on: date
) -> ComplianceItem:
    relevant = [
        c
        for c in certificates
        if requirement.id in (c.course.requirement_ids or []) and c.issued_on <= on
    ]
    base = {
        "requirement_id": requirement.id,
        "course": requirement.course,
        "gates": requirement.gates,
    }
    if not relevant:
        return ComplianceItem(
            status=Status.MISSING,
            reason=f"No certificate for “{requirement.course}”.",
            **base,  # type: ignore[arg-type]
        )
    best = max(relevant, key=lambda c: _effective_expiry(c, requirement) or date.max)
    expiry = _effective_expiry(best, requirement)
    if expiry is not None and expiry < on:
        status, reason = Status.EXPIRED, f"{best.course.title} expired on {expiry:%Y-%m-%d}."
    elif expiry is not None and expiry <= on + timedelta(days=EXPIRING_WITHIN_DAYS):
        status, reason = Status.EXPIRING, f"{best.course.title} expires on {expiry:%Y-%m-%d}."
    else:
        status = Status.MET
        reason = f"{best.course.title}, {best.issued_on:%Y-%m-%d}" + (
            f", valid until {expiry:%Y-%m-%d}." if expiry else ", does not expire."
        )
    return ComplianceItem(
        status=status,
        reason=reason,
        certificate_id=best.pk,
        expires_on=expiry,
        **base,  # type: ignore[arg-type]
    )


def person_compliance(
    *, user: User, on: date, protocol: Protocol | None = None
) -> PersonCompliance:
    if protocol is None and user.agency is not None:
        version = protocol_in_force(task_force=user.agency.task_force)
        protocol = version.protocol if version else None
    certificates = _certificates(user)
    return PersonCompliance(
        user=user,
        items=tuple(
            _item(requirement, certificates, on)
            for requirement in requirements_for(user=user, protocol=protocol)
        ),
    )


def people_compliance(
    *, people: Iterable[User], on: date, protocol: Protocol | None
) -> list[PersonCompliance]:
    """``person_compliance`` of many people with one query for all their certificates (fetch
    them with ``prefetch_related("role_grants")`` and their roles cost no query either)."""
    people = list(people)
    by_user: dict[int, list[Certificate]] = {person.pk: [] for person in people}
    for certificate in Certificate.objects.filter(user__in=people).select_related("course"):
        by_user[certificate.user_id].append(certificate)
    return [
        PersonCompliance(
            user=person,
            items=tuple(
                _item(requirement, by_user[person.pk], on)
                for requirement in requirements_for(user=person, protocol=protocol)
            ),
        )
        for person in people
    ]


def agency_compliance(*, agency: Agency, on: date) -> AgencyCompliance:
    version = protocol_in_force(task_force=agency.task_force)
    protocol = version.protocol if version else None
    people = User.objects.filter(agency=agency, is_active=True).prefetch_related("role_grants")
    return AgencyCompliance(
        agency=agency,
        people=tuple(person_compliance(user=person, on=on, protocol=protocol) for person in people),
        protocol_title=version.title if version else "",
    )


def training_gate(
    *,
    user: User,
    requirement_ids: Iterable[str],
    on: date,
    protocol: Protocol | None = None,
) -> GateResult:
    """Whether ``user`` holds a valid certificate for every requirement on ``on``.

    Fails closed: a requirement id the protocol does not declare counts as missing
    (named by its id). ``protocol`` defaults to the one in force for the user's task force.
    """
    wanted = list(dict.fromkeys(requirement_ids))
    if not wanted:
        return GateResult(allowed=True, missing=(), message="No training is required.")
    if protocol is None and user.agency is not None:
        version = protocol_in_force(task_force=user.agency.task_force)
        protocol = version.protocol if version else None
    declared = {req.id: req for req in (protocol.training if protocol else ())}
    certificates = _certificates(user)
    missing: list[str] = []
    for requirement_id in wanted:
        requirement = declared.get(requirement_id)
        if requirement is None:
            missing.append(requirement_id)
            continue
        if _item(requirement, certificates, on).status not in (Status.MET, Status.EXPIRING):
            missing.append(requirement.course)
    if not missing:
        return GateResult(allowed=True, missing=(), message="All required training is current.")
    listed = ", ".join(f"“{title}”" for title in missing)
    return GateResult(
        allowed=False,
        missing=tuple(missing),
        message=f"{user} cannot take this on without current training: {listed}.",
    )


def cji_gate_requirements(protocol: Protocol | None) -> tuple[str, ...]:
    return tuple(
        req.id for req in (protocol.training if protocol else ()) if CJI_ACCESS in req.gates
    )


def is_cjis_course(*, course: Course, protocol: Protocol | None) -> bool:
    """A course whose certificate is the CJIS security-awareness date of S14."""
    gated = set(cji_gate_requirements(protocol))
    return bool(gated & set(course.requirement_ids or [])) or (
        Topic.CJIS_SECURITY_AWARENESS in (course.topics or [])
    )


def courses(*, task_force: TaskForce) -> QuerySet[Course]:
    return Course.objects.filter(task_force=task_force, is_active=True).prefetch_related(
        "materials"
    )


def course_for_viewer(*, viewer: User, pk: int) -> Course:
    course = Course.objects.filter(pk=pk, task_force_id=viewer.agency.task_force_id).first()  # type: ignore[union-attr]  # a signed-in member always has an agency
    if course is None:
        raise NotFound(_("No such course."))
    return course


def sessions(*, task_force: TaskForce) -> QuerySet[TrainingSession]:
    return (
        TrainingSession.objects.filter(course__task_force=task_force)
        .select_related("course")
        .prefetch_related("trainers", "attendances__user__agency")
    )


def sessions_upcoming(*, task_force: TaskForce, now: datetime) -> QuerySet[TrainingSession]:
    return sessions(task_force=task_force).filter(ends_at__gte=now)


def session_for_viewer(*, viewer: User, pk: int) -> TrainingSession:
    session = sessions(task_force=viewer.agency.task_force).filter(pk=pk).first()  # type: ignore[union-attr]  # a signed-in member always has an agency
    if session is None:
        raise NotFound(_("No such session."))
    return session


def may_see_person(*, viewer: User, person: User) -> bool:
    """The person, their agency's lead, and the task force's coordinators."""
    if viewer.agency is None or person.agency is None:
        return False
    if viewer.agency.task_force_id != person.agency.task_force_id:
        return False
    if viewer.pk == person.pk or viewer.has_role(Role.COORDINATOR):
        return True
    return person.agency.lead_id == viewer.pk


def may_see_agency(*, viewer: User, agency: Agency) -> bool:
    if viewer.agency is None or viewer.agency.task_force_id != agency.task_force_id:
        return False
    return (
        viewer.has_role(Role.COORDINATOR)
        or agency.lead_id == viewer.pk
        or (viewer.agency_id == agency.pk and viewer.has_role(Role.AUDITOR))
    )


def may_record_attendance(*, viewer: User, session: TrainingSession) -> bool:
    if viewer.agency is None or viewer.agency.task_force_id != session.course.task_force_id:
        return False
    return viewer.has_role(Role.COORDINATOR) or session.trainers.filter(pk=viewer.pk).exists()


def people_with_training_expiring(*, agencies: Sequence[Agency], on: date) -> int:
    """How many active people of these agencies hold a requirement that is expiring (the
    coordinator's dashboard count): ``person_compliance``'s rule, read in three queries
    (protocol in force, people, certificates) whatever the number of people."""
    if not agencies:
        return 0
    version = protocol_in_force(task_force=agencies[0].task_force)
    protocol = version.protocol if version else None
    if protocol is None:
        return 0
    people = list(User.objects.filter(agency__in=list(agencies), is_active=True))
    roles: dict[int, set[str]] = {person.pk: set() for person in people}
    for user_id, role in RoleGrant.objects.filter(user__in=people).values_list("user_id", "role"):
        roles[user_id].add(role)
    for person in people:
        person._role_set = frozenset(roles[person.pk])  # read once for all (see User.role_set)
    certificates: dict[int, list[Certificate]] = {person.pk: [] for person in people}
    for certificate in Certificate.objects.filter(user__in=people).select_related("course"):
        certificates[certificate.user_id].append(certificate)
    return sum(
        1
        for person in people
        if any(
            _item(requirement, certificates[person.pk], on).status == Status.EXPIRING
            for requirement in requirements_for(user=person, protocol=protocol)
        )
    )
