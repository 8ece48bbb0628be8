"""The demo task force: invented agencies, users in every role, and their data.

Everything here is synthetic. Demo users get a known TOTP secret so a newcomer can
sign in (``accord demo code USERNAME`` prints the current code); the demo refuses
to load under production settings (``ACCORD_ALLOW_DEMO_TOTP``).
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.core.model import Sector

DEMO_PASSWORD = "example-county-demo-2026"
TASK_FORCE_SLUG = "example-county"

AGENCIES: tuple[tuple[str, str, Sector], ...] = (
    ("ecso", "Example County Sheriff's Office", Sector.LAW_ENFORCEMENT_LOCAL),
    ("riverton-pd", "Riverton Police Department", Sector.LAW_ENFORCEMENT_LOCAL),
    ("esp", "Example State Police", Sector.LAW_ENFORCEMENT_STATE),
    ("fbi-riverton", "FBI Riverton Field Office", Sector.LAW_ENFORCEMENT_FEDERAL),
    ("hsi-riverton", "Homeland Security Investigations, Riverton", Sector.LAW_ENFORCEMENT_FEDERAL),
    (
        "dol-oig",
        "U.S. Department of Labor, Office of Inspector General, Riverton",
        Sector.LAW_ENFORCEMENT_FEDERAL,
    ),
    ("usao-example", "U.S. Attorney's Office, District of Example", Sector.PROSECUTION),
    ("da-example", "Example County District Attorney's Office", Sector.PROSECUTION),
    ("harbor-light", "Harbor Light Survivor Services", Sector.VICTIM_SERVICES),
    ("new-dawn", "New Dawn Anti-Trafficking Coalition", Sector.VICTIM_SERVICES),
    ("legal-aid", "Example Legal Aid Society", Sector.LEGAL_SERVICES),
    ("bridge-language", "Bridge Language Services", Sector.INTERPRETER),
    ("cps-example", "Example County Child Protective Services", Sector.CHILD_PROTECTION),
    ("cac-example", "Example County Children's Advocacy Center", Sector.HEALTH),
)

COMMITTEES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "victim_services_committee",
        "Victim Services Committee",
        ("harbor-light", "new-dawn", "legal-aid", "cps-example", "cac-example", "bridge-language"),
    ),
    (
        "law_enforcement_committee",
        "Law Enforcement Committee",
        (
            "ecso",
            "riverton-pd",
            "esp",
            "fbi-riverton",
            "hsi-riverton",
            "dol-oig",
            "usao-example",
            "da-example",
        ),
    ),
    ("co_chairs", "Task force co-chairs", ("ecso", "harbor-light")),
    (
        "executive_committee",
        "Executive Committee",
        ("ecso", "usao-example", "harbor-light"),
    ),
)

#: (username, display name, agency slug, roles, extras)
USERS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("coordinator", "Dana Whitfield", "ecso", (Role.COORDINATOR,)),
    ("investigator.hsi", "Marco Ilves", "hsi-riverton", (Role.INVESTIGATOR,)),
    ("investigator.rpd", "Jordan Pike", "riverton-pd", (Role.INVESTIGATOR,)),
    ("investigator.ecso", "Sam Okafor", "ecso", (Role.INVESTIGATOR,)),
    ("investigator.fbi", "Alexis Moreau", "fbi-riverton", (Role.INVESTIGATOR,)),
    ("investigator.dol", "Priya Natarajan", "dol-oig", (Role.INVESTIGATOR,)),
    ("prosecutor.da", "Helen Drummond", "da-example", (Role.PROSECUTOR,)),
    ("prosecutor.usao", "Victor Lindqvist", "usao-example", (Role.PROSECUTOR,)),
    ("advocate.harbor", "Rosa Almeida", "harbor-light", (Role.ADVOCATE,)),
    ("advocate.newdawn", "Tomás Herrera", "new-dawn", (Role.ADVOCATE,)),
    ("advocate.legal", "Grace Kwon", "legal-aid", (Role.ADVOCATE,)),
    ("advocate.cps", "Nadia Brooks", "cps-example", (Role.ADVOCATE,)),
    ("advocate.cac", "Owen Castillo", "cac-example", (Role.ADVOCATE,)),
    ("interpreters", "Lena Sorensen", "bridge-language", (Role.INTERPRETER_COORDINATOR,)),
    ("auditor.ecso", "Frank Adeyemi", "ecso", (Role.AUDITOR,)),
    ("auditor.harbor", "Ivy Marsh", "harbor-light", (Role.AUDITOR,)),
)

#: A second, fully separate task force, to show that deployments host several.
OTHER_TASK_FORCE = ("northfield", "Northfield Regional Anti-Trafficking Task Force")
OTHER_AGENCIES = (
    ("northfield-pd", "Northfield Police Department", Sector.LAW_ENFORCEMENT_LOCAL),
    ("northfield-shelter", "Northfield Safe Harbor", Sector.VICTIM_SERVICES),
)
OTHER_USERS = (
    ("nf.coordinator", "Casey Brandt", "northfield-pd", (Role.COORDINATOR,)),
    ("nf.advocate", "Morgan Ellery", "northfield-shelter", (Role.ADVOCATE,)),
)


def demo_totp_key(username: str) -> str:
    """A fixed 20-byte TOTP key (hex) per demo user, so codes can be computed anywhere."""
    return hashlib.sha256(f"accord-demo-totp:{username}".encode()).hexdigest()[:40]


def demo_totp_secret(username: str) -> str:
    """The same key in base32, as authenticator apps want it."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode().rstrip("=")


def current_code(username: str) -> str:
    from django_otp.oath import totp

    return f"{totp(bytes.fromhex(demo_totp_key(username))):06d}"


@dataclass
class DemoLogins:
    rows: list[tuple[str, str, str, str]] = field(
        default_factory=list
    )  # user, agency, roles, secret

    def as_text(self) -> str:
        lines = [
            "",
            "Demo task force: Example County Human Trafficking Task Force (all data invented)",
            f"Every demo user's password: {DEMO_PASSWORD}",
            "Second factor: add the TOTP secret to an authenticator app, or run",
            "  .venv/bin/accord demo code USERNAME     (prints the current 6-digit code)",
            "",
            f"{'username':<26} {'agency':<18} {'roles':<34} TOTP secret",
        ]
        lines += [f"{u:<26} {a:<18} {r:<34} {s}" for u, a, r, s in self.rows]
        return "\n".join(lines) + "\n"


def _signatory_username(agency_slug: str) -> str:
    return f"signatory.{agency_slug}"


OPERATOR = "demo-loader"
#: The demo task force's invented county lies in the US Central zone.
DEMO_TIME_ZONE = "America/Chicago"


@transaction.atomic
def load_demo() -> DemoLogins:
    """Create the demo task forces once; later calls only report the logins."""
    from accord.accounts import bootstrap
    from accord.sharing.services import consent_texts_install_shipped

    logins = DemoLogins()
    all_users = list(USERS) + [
        (_signatory_username(slug), f"Signatory, {name}", slug, (Role.SIGNATORY,))
        for slug, name, _ in AGENCIES
    ]
    if not TaskForce.objects.filter(slug=TASK_FORCE_SLUG).exists():
        task_force = bootstrap.task_force_create(
            operator=OPERATOR,
            slug=TASK_FORCE_SLUG,
            name="Example County Human Trafficking Task Force",
            jurisdiction="Example County, State of Example",
            time_zone=DEMO_TIME_ZONE,
        )
        agencies = _create_agencies(task_force, AGENCIES)
        for slug, name, members in COMMITTEES:
            bootstrap.committee_create(
                operator=OPERATOR,
                task_force=task_force,
                slug=slug,
                name=name,
                agencies=[agencies[m] for m in members],
            )
        _create_users(all_users, agencies)
        other = bootstrap.task_force_create(
            operator=OPERATOR, slug=OTHER_TASK_FORCE[0], name=OTHER_TASK_FORCE[1]
        )
        _create_users(list(OTHER_USERS), _create_agencies(other, OTHER_AGENCIES))
        for each in (task_force, other):  # the release wording every task force starts with
            consent_texts_install_shipped(task_force_id=each.pk, operator=OPERATOR)
        for loader in _app_loaders():
            loader(task_force=task_force)
    for username, _name, agency, roles in all_users + list(OTHER_USERS):
        logins.rows.append(
            (username, agency, ", ".join(str(r) for r in roles), demo_totp_secret(username))
        )
    return logins


def _create_agencies(task_force, rows) -> dict[str, Agency]:
    from accord.accounts import bootstrap

    return {
        slug: bootstrap.agency_create(
            operator=OPERATOR, task_force=task_force, slug=slug, name=name, sector=str(sector)
        )
        for slug, name, sector in rows
    }


def _create_users(rows, agencies) -> None:
    from accord.accounts import bootstrap
    from accord.accounts.services import totp_device_create

    for username, display_name, agency_slug, roles in rows:
        user = bootstrap.user_create_by_operator(
            operator=OPERATOR,
            agency=agencies[agency_slug],
            username=username,
            display_name=display_name,
            email=f"{username}@example.invalid",
            roles=[str(r) for r in roles],
            password=DEMO_PASSWORD,
        )
        law_enforcement_or_prosecution = any(
            str(r) in {Role.INVESTIGATOR, Role.PROSECUTOR} for r in roles
        )
        bootstrap.user_personnel_set(
            operator=OPERATOR,
            user=user,
            cjis_training_on=date(2026, 9, 1) if law_enforcement_or_prosecution else None,
            background_check_passed_on=date(2025, 1, 15)
            if law_enforcement_or_prosecution
            else None,
            immigration_relief_authorized=True if username in IMMIGRATION_AUTHORIZED else None,
        )
        totp_device_create(
            user=user, key_hex=demo_totp_key(username), name="demo authenticator", confirmed=True
        )
    for agency in agencies.values():
        lead = User.objects.filter(agency=agency).order_by("pk").first()
        if lead is not None:
            bootstrap.agency_set_lead(operator=OPERATOR, agency=agency, lead=lead)


#: Users allowed to see Continued Presence, T and U records (8 U.S.C. 1367).
IMMIGRATION_AUTHORIZED = frozenset({"investigator.hsi", "prosecutor.usao", "advocate.legal"})


def _app_loaders():
    """Each app that has demo data exposes ``accord.<app>.demo.load(task_force=...)``."""
    import importlib

    loaders = []
    for app in ("directory", "protocols", "cases", "conflicts", "training"):
        try:
            module = importlib.import_module(f"accord.{app}.demo")
        except ModuleNotFoundError as missing:
            if missing.name not in {f"accord.{app}", f"accord.{app}.demo"}:
                raise
            continue
        loaders.append(module.load)
    return loaders
