"""Demo training: a catalog of eight courses, past sessions with attendance, upcoming ones.

All through the services, with the clock set where the session was held. Demo
users are looked up by username and skipped when missing. Some certificates are
left to expire within 60 days, and some people without a required course, so the
compliance pages have something to show.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accord.accounts.models import Role, TaskForce, User
from accord.protocols.selectors import protocol_in_force

from .models import Course
from .services import course_create, session_create, session_register

#: (code, title, provider, topics, minutes, renew_months, requirement ids)
CATALOG: tuple[tuple[str, str, str, tuple[str, ...], int, int | None, tuple[str, ...]], ...] = (
    (
        "ht-101",
        "Human trafficking fundamentals and the task force protocol",
        "Example County Task Force Office",
        ("victim_identification", "protocol"),
        240,
        24,
        ("ht-101",),
    ),
    (
        "danger-assessment",
        "Conducting the task force danger assessment",
        "Harbor Light Survivor Services",
        ("danger_assessment", "trauma_informed_care"),
        180,
        12,
        ("danger-assessment",),
    ),
    (
        "cjis-security",
        "CJIS security awareness (annual)",
        "Example State Police CJIS Unit",
        ("cjis_security_awareness",),
        60,
        12,
        ("cjis-security",),
    ),
    (
        "tii",
        "Trauma-informed, victim-centered interviewing",
        "Example County Children's Advocacy Center",
        ("trauma_informed_interviewing", "victim_centered_interviewing"),
        480,
        None,
        (),
    ),
    (
        "labor-indicators",
        "Labor trafficking indicators in agriculture and hospitality",
        "U.S. Department of Labor OIG, Riverton",
        ("labor_trafficking_indicators", "victim_identification"),
        180,
        None,
        (),
    ),
    (
        "confidentiality",
        "Confidentiality, releases and consent for task force partners",
        "Example Legal Aid Society",
        ("confidentiality_and_consent",),
        120,
        24,
        (),
    ),
    (
        "interpreters",
        "Working with interpreters in interviews and court",
        "Bridge Language Services",
        ("interpreting",),
        90,
        None,
        (),
    ),
    (
        "immigration-relief",
        "Continued Presence, T and U visas for the task force",
        "Example Legal Aid Society",
        ("immigration_relief",),
        120,
        None,
        (),
    ),
)


def _users(*usernames: str) -> list[User]:
    found = {u.username: u for u in User.objects.filter(username__in=usernames)}
    return [found[name] for name in usernames if name in found]


@transaction.atomic
def load(*, task_force: TaskForce) -> None:
    if Course.objects.filter(task_force=task_force).exists():
        return
    coordinator = (
        User.objects.filter(agency__task_force=task_force, role_grants__role=Role.COORDINATOR)
        .order_by("username")
        .first()
    )
    if coordinator is None:
        return
    version = protocol_in_force(task_force=task_force)
    declared = {req.id for req in version.protocol.training} if version else set()
    courses: dict[str, Course] = {}
    for code, title, provider, topics, minutes, renew, requirements in CATALOG:
        courses[code] = course_create(
            actor=coordinator,
            code=code,
            title=title,
            provider=provider,
            topics=list(topics),
            duration_minutes=minutes,
            renew_months=renew,
            requirement_ids=[r for r in requirements if r in declared],
        )
    now = timezone.now()

    def held(code: str, days_ago: int, attendees: list[User], **where: Any) -> None:
        start = (now - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
        course = courses[code]
        session_create(
            actor=coordinator,
            course=course,
            starts_at=start,
            ends_at=start + timedelta(minutes=course.duration_minutes),
            attendees=attendees,
            capacity=30,
            now=now,
            **(where or {"place": "Riverton Public Safety Building, training room B"}),
        )

    def upcoming(code: str, in_days: int, registrants: list[User], **where: Any) -> None:
        start = (now + timedelta(days=in_days)).replace(hour=9, minute=0, second=0, microsecond=0)
        course = courses[code]
        session = session_create(
            actor=coordinator,
            course=course,
            starts_at=start,
            ends_at=start + timedelta(minutes=course.duration_minutes),
            capacity=25,
            trainer_names=course.provider,
            now=now,
            **(where or {"place": "Example County Administration Building, room 114"}),
        )
        for person in registrants:
            session_register(actor=coordinator, session=session, user=person, now=now)

    everyone = _users(
        "coordinator",
        "investigator.hsi",
        "investigator.rpd",
        "investigator.ecso",
        "investigator.fbi",
        "prosecutor.da",
        "prosecutor.usao",
        "advocate.harbor",
        "advocate.newdawn",
        "advocate.legal",
        "advocate.cac",
    )
    # Joint fundamentals, 14 months ago (valid 24 months); two people missed it.
    held("ht-101", 420, everyone)
    # CJIS awareness 10.5 months ago: expires within 60 days for these.
    held(
        "cjis-security",
        320,
        _users("investigator.hsi", "investigator.rpd", "prosecutor.da"),
        online_url="https://training.example.invalid/cjis",
    )
    # CJIS awareness 2 months ago: current for these.
    held(
        "cjis-security",
        60,
        _users("investigator.ecso", "investigator.fbi", "prosecutor.usao"),
        online_url="https://training.example.invalid/cjis",
    )
    held("danger-assessment", 90, _users("advocate.harbor", "advocate.cac"))
    held(
        "labor-indicators",
        45,
        _users("investigator.dol", "advocate.newdawn", "investigator.rpd", "interpreters"),
    )
    held("tii", 30, _users("investigator.hsi", "advocate.cac", "advocate.cps", "prosecutor.da"))
    # Upcoming joint sessions with registrations from several agencies.
    upcoming(
        "cjis-security",
        14,
        _users("investigator.hsi", "investigator.rpd", "prosecutor.da", "investigator.dol"),
        online_url="https://training.example.invalid/cjis",
    )
    upcoming("danger-assessment", 21, _users("advocate.newdawn", "advocate.legal"))
    upcoming(
        "confidentiality", 28, _users("advocate.harbor", "investigator.ecso", "prosecutor.usao")
    )
    upcoming("ht-101", 35, _users("investigator.dol", "advocate.cps"))
    upcoming("interpreters", 42, _users("interpreters", "investigator.hsi"))
    # A session held yesterday whose attendance is still to be recorded.
    yesterday = (now - timedelta(days=1)).replace(hour=13, minute=0, second=0, microsecond=0)
    earlier: datetime = yesterday - timedelta(days=7)
    course = courses["immigration-relief"]
    session = session_create(
        actor=coordinator,
        course=course,
        starts_at=yesterday,
        ends_at=yesterday + timedelta(minutes=course.duration_minutes),
        place="Example Legal Aid Society, conference room",
        trainer_names="Example Legal Aid Society",
        capacity=20,
        now=earlier,
    )
    for person in _users("investigator.hsi", "advocate.legal", "prosecutor.usao"):
        session_register(actor=coordinator, session=session, user=person, now=earlier)
