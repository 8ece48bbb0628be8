"""Finding the right service for a described person, with reasons.

The database narrows the candidates (indexed filters on the task force, status,
packed code sets and languages); Python then explains every result: which
criteria it meets ("ages 12-17 includes 16") and, for near misses, which it
fails ("serves ages 18+, not 16"). "Open now" is decided from the 24/7 flag or
the weekly schedules, in the server's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Language, Organization, Schedule, Service, ServiceArea, ServiceStatus
from .vocabulary import SERVICE_TYPES, language_name, normalize_language

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class SearchQuery:
    """What the searcher described; empty fields mean "any"."""

    text: str = ""
    service_type: str = ""
    language: str = ""
    age: int | None = None
    gender: str = ""
    citizenship: str = ""
    trafficking_type: str = ""
    jurisdiction: str = ""
    open_now: bool = False
    include_near_misses: bool = False

    @property
    def language_code(self) -> str:
        return normalize_language(self.language) or "" if self.language else ""


@dataclass(frozen=True)
class SearchResult:
    service: Service
    matched: tuple[str, ...]
    unmatched: tuple[str, ...] = ()

    @property
    def is_match(self) -> bool:
        return not self.unmatched

    @property
    def explanation(self) -> str:
        text = "matches: " + "; ".join(self.matched) if self.matched else ""
        if self.unmatched:
            text += ("; " if text else "") + "does not match: " + "; ".join(self.unmatched)
        return text


@dataclass(frozen=True)
class SearchOutcome:
    query: SearchQuery
    matches: list[SearchResult] = field(default_factory=list)
    near_misses: list[SearchResult] = field(default_factory=list)
    total: int = 0


def _prefetched(queryset: QuerySet[Service]) -> QuerySet[Service]:
    return queryset.select_related("organization").prefetch_related(
        Prefetch("languages", queryset=Language.objects.order_by("code")),
        Prefetch("service_areas", queryset=ServiceArea.objects.order_by("jurisdiction")),
        Prefetch("schedules", queryset=Schedule.objects.order_by("pk")),
    )


def base_queryset(*, task_force_id: int) -> QuerySet[Service]:
    """Active services of active organizations (inactive ones are few: excluded by id, no join)."""
    inactive = list(
        Organization.objects.filter(task_force_id=task_force_id, is_active=False).values_list(
            "pk", flat=True
        )
    )
    qs = Service.objects.filter(task_force_id=task_force_id, status=ServiceStatus.ACTIVE)
    return qs.exclude(organization_id__in=inactive) if inactive else qs


def _member(field_name: str, code: str) -> Q:
    """A packed set that states no restriction, or holds the code."""
    return Q(**{field_name: ""}) | Q(**{f"{field_name}__contains": f",{code},"})


def matching_queryset(query: SearchQuery, *, task_force_id: int) -> QuerySet[Service]:
    """The database side of a search: every criterion but "open now"."""
    qs = base_queryset(task_force_id=task_force_id)
    if query.text.strip():
        words = query.text.strip()
        organizations = Organization.objects.filter(
            task_force_id=task_force_id, name__icontains=words
        ).values("pk")
        qs = qs.filter(
            Q(name__icontains=words)
            | Q(description__icontains=words)
            | Q(organization_id__in=organizations)
        )
    if query.service_type:
        qs = qs.filter(service_types__contains=f",{query.service_type},")
    if query.language:
        qs = qs.filter(
            pk__in=Language.objects.filter(code=query.language_code, service__isnull=False).values(
                "service_id"
            )
        )
    if query.age is not None:
        qs = qs.filter(Q(minimum_age__isnull=True) | Q(minimum_age__lte=query.age)).filter(
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=query.age)
        )
    if query.gender:
        qs = qs.filter(_member("genders", query.gender))
    if query.citizenship:
        qs = qs.filter(_member("citizenship", query.citizenship))
    if query.trafficking_type:
        accepted = _member("trafficking_types", query.trafficking_type)
        if query.trafficking_type == "both":
            accepted |= Q(trafficking_types__contains=",sex,") & Q(
                trafficking_types__contains=",labor,"
            )
        qs = qs.filter(accepted)
    if query.jurisdiction:
        qs = qs.filter(
            ~Exists(ServiceArea.objects.filter(service=OuterRef("pk")))
            | Exists(
                ServiceArea.objects.filter(service=OuterRef("pk"), jurisdiction=query.jurisdiction)
            )
        )
    if query.open_now:
        qs = qs.filter(Q(is_24_7=True) | Exists(Schedule.objects.filter(service=OuterRef("pk"))))
    return qs


def directory_search(
    *, task_force_id: int, query: SearchQuery, now: datetime | None = None, limit: int = 50
) -> SearchOutcome:
    now = timezone.localtime(now or timezone.now())
    qs = matching_queryset(query, task_force_id=task_force_id).order_by("-is_24_7", "name", "pk")
    matches: list[SearchResult] = []
    total = 0
    if query.open_now:
        # Schedules are checked in Python; walk the candidates until the page is full.
        for service in _prefetched(qs).iterator(chunk_size=200):
            result = explain(service, query=query, now=now)
            if result.is_match:
                total += 1
                if len(matches) < limit:
                    matches.append(result)
    else:
        total = qs.count()
        matches = [explain(s, query=query, now=now) for s in _prefetched(qs[:limit])]
    near_misses: list[SearchResult] = []
    if query.include_near_misses:
        near_misses = _near_misses(
            query, task_force_id=task_force_id, now=now, exclude={r.service.pk for r in matches}
        )
    return SearchOutcome(query=query, matches=matches, near_misses=near_misses, total=total)


def _near_misses(
    query: SearchQuery, *, task_force_id: int, now: datetime, exclude: set[int]
) -> list[SearchResult]:
    """Services of the asked-for type (or text) that fail some other criterion, and why."""
    qs = base_queryset(task_force_id=task_force_id).exclude(pk__in=exclude)
    if query.service_type:
        qs = qs.filter(service_types__contains=f",{query.service_type},")
    elif query.text.strip():
        qs = matching_queryset(SearchQuery(text=query.text), task_force_id=task_force_id)
    candidates = [explain(s, query=query, now=now) for s in _prefetched(qs.order_by("name")[:300])]
    misses = [r for r in candidates if not r.is_match]
    misses.sort(key=lambda r: (len(r.unmatched), r.service.name))
    return misses[:20]


def _age_range_text(service: Service) -> str:
    low, high = service.minimum_age, service.maximum_age
    if low is None and high is None:
        return "all ages"
    if high is None:
        return f"ages {low}+"
    if low is None:
        return f"ages up to {high}"
    return f"ages {low}-{high}"


def explain(service: Service, *, query: SearchQuery, now: datetime) -> SearchResult:
    """Every criterion of the query, checked against one service, in words."""
    matched: list[str] = []
    unmatched: list[str] = []

    def verdict(ok: bool, yes: str, no: str) -> None:
        (matched if ok else unmatched).append(yes if ok else no)

    if query.service_type:
        label = SERVICE_TYPES.get(query.service_type, query.service_type).lower()
        verdict(query.service_type in service.service_type_set, label, f"not {label}")
    if query.text.strip():
        words = query.text.strip().lower()
        hay = f"{service.name} {service.description} {service.organization.name}".lower()
        verdict(
            words in hay,
            f"mentions “{query.text.strip()}”",
            f"does not mention “{query.text.strip()}”",
        )
    if query.language:
        code = query.language_code
        name = language_name(code) or query.language
        served = {language.code for language in service.languages.all()}
        verdict(code in served, f"serves {name} ({code})", f"does not list {name} ({code})")
    if query.age is not None:
        low, high = service.minimum_age, service.maximum_age
        ok = (low is None or low <= query.age) and (high is None or high >= query.age)
        verdict(
            ok,
            f"{_age_range_text(service)} includes {query.age}",
            f"serves {_age_range_text(service)}, not {query.age}",
        )
    for value, codes, noun in (
        (query.gender, service.gender_set, "eligible"),
        (query.citizenship, service.citizenship_set, "eligible"),
    ):
        if value:
            words = value.replace("_", " ")
            verdict(
                not codes or value in codes,
                f"{words} {noun}",
                f"{words} not eligible (serves {', '.join(sorted(codes)).replace('_', ' ')})",
            )
    if query.trafficking_type:
        codes = service.trafficking_type_set
        ok = (
            not codes
            or query.trafficking_type in codes
            or (query.trafficking_type == "both" and {"sex", "labor"} <= codes)
        )
        verdict(
            ok,
            f"{query.trafficking_type} trafficking served",
            f"{query.trafficking_type} trafficking not served ({', '.join(sorted(codes))})",
        )
    if query.jurisdiction:
        areas = {area.jurisdiction for area in service.service_areas.all() if area.jurisdiction}
        verdict(
            not areas or query.jurisdiction in areas,
            f"covers {query.jurisdiction}" if areas else "no service-area limit",
            f"does not cover {query.jurisdiction} (covers {', '.join(sorted(areas))})",
        )
    if query.open_now:
        is_open, reason = open_now(service, now=now)
        verdict(is_open, f"open now ({reason})", f"closed now ({reason})")
    return SearchResult(service=service, matched=tuple(matched), unmatched=tuple(unmatched))


def _parse_time(text: str) -> time | None:
    try:
        parts = [int(p) for p in text.split(":")[:3]]
    except ValueError:
        return None
    if not parts:
        return None
    hour = min(parts[0], 23) if parts[0] < 24 else 23
    minute = parts[1] if len(parts) > 1 else 0
    second = parts[2] if len(parts) > 2 else 0
    if parts[0] >= 24:
        return time(23, 59, 59)
    return time(hour, minute, second)


def open_now(service: Service, *, now: datetime) -> tuple[bool, str]:
    """Open at ``now``? From the 24/7 flag, else the weekly schedules."""
    if service.is_24_7:
        return True, "24/7"
    weekday = WEEKDAYS[now.weekday()]
    current = now.time()
    # Rule-less rows (free-text schedule notes) say nothing about the clock.
    schedules = [s for s in service.schedules.all() if s.opens_at or s.closes_at or s.byday]
    if not schedules:
        return False, "no opening hours recorded"
    for schedule in schedules:
        days = {d.strip()[-2:] for d in schedule.byday.split(",") if d.strip()}
        if schedule.freq not in ("", "WEEKLY") or (days and weekday not in days):
            continue
        opens, closes = _parse_time(schedule.opens_at), _parse_time(schedule.closes_at)
        if opens is None or closes is None:
            continue
        if (opens <= current < closes) or (
            closes <= opens and (current >= opens or current < closes)
        ):
            return True, f"{schedule.opens_at[:5]}-{schedule.closes_at[:5]} today"
    return False, "outside opening hours"
