"""Every page speaks in words: no machine identifier reaches the text a person reads.

One test loads the demo task force once, signs in one user of each demo role (both
factors), walks every URL pattern of the resolver with real ids from the demo data, and
scans the visible text of each page that answers 200 (tags, scripts, styles and attribute
values stripped) for words with underscores, Python reprs (``True``, ``False``, ``None``)
and slugs of the protocol, the directory and the member agencies.

The allow-list is short and each entry says why; no page is allowed wholesale.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.exceptions import NoReverseMatch

from accord.web.urlwalk import DEMO_WALKERS, NOT_PAGES, route_of, walked_pages
from conftest import sign_in

pytestmark = pytest.mark.django_db

#: One user per demo role, and the sectors whose pages differ most; the routes that are not
#: pages a person reads in the browser (downloads, the JSON API, sign-out, the mailed
#: password-reset link) are left out (``accord.web.urlwalk``, shared with bench/bench_pages.py).
ROLES = DEMO_WALKERS

#: The first role (the coordinator, who sees the most) is shown every demo record of every
#: route; the other roles every case (what a case shows depends most on who looks) and the
#: first few records of the other routes, which keeps the walk under a minute.
EVERY_RECORD = frozenset({"cases:detail"})
FEW = 3

#: Extra query strings that open a different view of a page.
QUERIES = {
    "audit:log": ("", "?event=case_opened"),
    "directory:search": ("", "?q=shelter"),
}

UNDERSCORED = re.compile(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b")
REPR = re.compile(r"\b(?:True|False|None)\b")
TOKEN = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")

#: Allowed, with the reason:
#: - e-mail addresses and web addresses: a person copies them as written;
#: - demo user names (``investigator.hsi``): the sign-in name a person types;
#: - "None" starting an English phrase ("None of …", "None yet", "None recorded").
EMAIL_OR_URL = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+")
#: - the drill scenario form's example: the field takes JSON keyed by factor id, so its help
#:   shows one (the only place a person types ids).
EXAMPLES = ('{"victim_age": 17, "trafficking_type": "labor"}',)
ENGLISH_NONE = re.compile(r"\bNone(?= (?:of|yet|recorded|found|given|so far|listed|set)\b)")


class _VisibleText(HTMLParser):
    """Collect the text a person sees: no tags, attribute values, scripts or styles.

    A ``<textarea>`` holds the person's own text being edited (the protocol's source on the
    draft editor), not words the page says, so, like an input's value, it is not scanned.
    """

    HIDDEN = frozenset({"script", "style", "template", "textarea"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.HIDDEN:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href")
            if href and href.startswith("/"):
                self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> tuple[str, list[str]]:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.links


def machine_words(text: str, *, slugs: frozenset[str], usernames: frozenset[str]) -> dict[str, str]:
    """The machine identifiers in a page's visible text, each with the words around it."""
    text = EMAIL_OR_URL.sub(" ", text)
    for example in EXAMPLES:
        text = text.replace(example, " ")
    for name in usernames:
        text = text.replace(name, " ")
    text = ENGLISH_NONE.sub(" ", text)
    found: dict[str, str] = {}
    for pattern in (UNDERSCORED, REPR, TOKEN):
        for match in pattern.finditer(text):
            word = match.group()
            if pattern is TOKEN and word not in slugs:
                continue
            found.setdefault(word, text[max(0, match.start() - 50) : match.end() + 30])
    return found


def _known_slugs() -> frozenset[str]:
    """Slugs a person should never read: agencies, committees, task forces, the directory's
    organizations and services, and the protocol's ids that are not plain English words."""
    from accord.accounts.models import Agency, Committee, TaskForce
    from accord.directory.models import Organization, Service
    from accord.protocols.models import ProtocolVersion

    slugs = set(Agency.objects.values_list("slug", flat=True))
    slugs |= set(Committee.objects.values_list("slug", flat=True))
    slugs |= set(TaskForce.objects.values_list("slug", flat=True))
    for model in (Organization, Service):
        slugs |= set(model.objects.values_list("slug", flat=True))
    for version in ProtocolVersion.objects.all():
        document = dataclasses.asdict(version.protocol)
        slugs |= {word for word in _ids_in(document) if "_" in word or "-" in word}
    return frozenset(s for s in slugs if s)


def _ids_in(document: object) -> Iterator[str]:
    """Every string key and short value of the protocol document that looks like an id."""
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(key, str) and TOKEN.fullmatch(key):
                yield key
            yield from _ids_in(value)
    elif isinstance(document, list | tuple | set | frozenset):
        for item in document:
            yield from _ids_in(item)
    elif isinstance(document, str) and TOKEN.fullmatch(document):
        yield document


def _arguments() -> dict[str, list[object]]:
    """Real ids from the demo data, by URL argument name (``pk`` by namespace)."""
    from accord.accounts.models import Agency, User
    from accord.cases import models as cases
    from accord.cases.views import RECORD_KINDS
    from accord.conflicts.models import Disagreement
    from accord.directory.models import DirectoryImport, Location, Organization, Service
    from accord.protocols.models import DrillScenario, ProtocolVersion
    from accord.sharing.models import Release
    from accord.training.models import Course, TrainingSession

    def ids(model) -> list[object]:
        return list(model.objects.order_by("pk").values_list("pk", flat=True))

    return {
        "case_id": ids(cases.Case),
        "victim_id": ids(cases.PotentialVictim),
        "operation_id": ids(cases.Operation),
        "referral_id": ids(cases.Referral),
        "relief_id": ids(cases.ImmigrationRelief),
        "request_id": ids(cases.InterpreterRequest),
        "placement_id": ids(cases.Placement),
        "task_id": ids(cases.Task),
        "kind": list(RECORD_KINDS),
        "release_id": ids(Release),
        "user_id": list(
            User.objects.filter(username__in=ROLES).order_by("pk").values_list("pk", flat=True)
        ),
        "organization_id": ids(Organization),
        "service_id": ids(Service),
        "location_id": ids(Location),
        "agency_id": ids(Agency),
        "import_id": ids(DirectoryImport),
        "number": list(ProtocolVersion.objects.order_by("number").values_list("number", flat=True)),
        "slug": list(Agency.objects.order_by("pk").values_list("slug", flat=True)),
        "protocols:pk": ids(DrillScenario),
        "conflicts:pk": ids(Disagreement),
        "training:pk": ids(Course),
        **{
            f"training:{route}:pk": ids(TrainingSession)
            for route in ("session", "session_register", "session_attendance")
        },
    }


def _paths(name: str, pattern: URLPattern, arguments: dict[str, list[object]]) -> list[str]:
    """Example paths for one route; none when the demo has no record for an argument."""
    params = list(pattern.pattern.converters)
    if not params:
        return [reverse(name)]
    namespace = name.split(":")[0]
    values: dict[str, list[object]] = {}
    for param in params:
        keys = (f"{name}:{param}", f"{namespace}:{param}")
        found = next((arguments[k] for k in (*keys, param) if k in arguments), None)
        if found is None:
            return []
        values[param] = found
    if len(params) > 1:
        return []  # filled from the links found on pages (see _harvest)
    (param,) = params
    chosen = values[param]
    paths = []
    for value in chosen:
        try:
            paths.append(reverse(name, kwargs={param: value}))
        except NoReverseMatch:
            continue
    return paths


def _scan_role(
    client: Client,
    routes: dict[str, list[str]],
    *,
    every_record: bool,
    slugs: frozenset[str],
    usernames: frozenset[str],
) -> tuple[dict[str, dict[str, str]], set[str]]:
    """GET every route's example paths, then routes reached only through links; scan each."""
    findings: dict[str, dict[str, str]] = {}
    scanned: set[str] = set()
    harvested: dict[str, list[str]] = defaultdict(list)
    queue = [
        path
        for name, paths in routes.items()
        for path in (paths if every_record or name in EVERY_RECORD else paths[:FEW])
    ]
    seen: set[str] = set()
    while queue:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text, links = visible_text(response.content.decode())
        name = route_of(path)
        if name:
            scanned.add(name)
        found = machine_words(text, slugs=slugs, usernames=usernames)
        if found:
            findings[path] = found
        for link in links:
            route = route_of(link)
            if (
                route
                and not routes.get(route)
                and route not in NOT_PAGES
                and link not in harvested[route]
                and len(harvested[route]) < FEW
            ):
                harvested[route].append(link)
                queue.append(link)
    return findings, scanned


def _records_the_demo_lacks() -> None:
    """A Continued Presence request and a placement, so their lines and pages are scanned too
    (made through the services, on the first demo victim each user may act for)."""
    from accord.accounts.models import User
    from accord.cases import services
    from accord.cases.models import ImmigrationRelief, Placement, PotentialVictim
    from accord.errors import AccordError

    victims = list(PotentialVictim.objects.order_by("pk").values_list("pk", flat=True))
    makers = (
        (
            "investigator.hsi",
            lambda actor, victim: services.immigration_relief_create(
                actor=actor, victim_id=victim, kind="continued_presence"
            ),
        ),
        (
            "advocate.harbor",
            lambda actor, victim: services.placement_record(
                actor=actor, victim_id=victim, kind="shelter", details="Safe house"
            ),
        ),
    )
    for username, make in makers:
        actor = User.objects.get(username=username)
        for victim in victims:
            try:
                make(actor, victim)
            except AccordError:
                continue
            break
    assert ImmigrationRelief.objects.exists() and Placement.objects.exists()


def test_no_page_shows_a_machine_identifier_to_any_role():
    from accord.accounts.models import User
    from accord.demo import load_demo

    load_demo()
    _records_the_demo_lacks()
    slugs = _known_slugs()
    usernames = frozenset(User.objects.values_list("username", flat=True))
    arguments = _arguments()
    routes: dict[str, list[str]] = {}
    for name, pattern in walked_pages():
        routes[name] = [
            path + query
            for path in _paths(name, pattern, arguments)
            for query in QUERIES.get(name, ("",))
        ]
    problems: list[str] = []
    reached: set[str] = set()
    for username in ROLES:
        client = sign_in(Client(), User.objects.get(username=username))
        findings, scanned = _scan_role(
            client,
            routes,
            every_record=username == ROLES[0],
            slugs=slugs,
            usernames=usernames,
        )
        reached |= scanned
        problems += [
            f"{username} {path}: {word!r} in “…{context}…”"
            for path, words in findings.items()
            for word, context in words.items()
        ]
    assert not problems, "Machine identifiers on pages:\n" + "\n".join(problems)
    # the walk really reached the pages that matter (a broken id table would pass silently)
    for name in (
        "cases:detail",
        "cases:team",
        "sharing:release_detail",
        "audit:log",
        "protocols:detail",
        "directory:service",
        "conflicts:detail",
        "training:session",
    ):
        assert name in reached, name
