"""The signer table, row by row: who may prepare, request, sign, withdraw and record the outcome
of each kind of immigration relief. The key rows are written out by hand (so a changed table
fails them); every combination is also checked against the table's own rows, and the services
are shown to ask the table and to name who may act when they refuse."""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone

from accord.accounts.models import Agency, Role
from accord.cases.models import CertifyingOfficial, ImmigrationRelief, ReliefKind, ReliefStatus
from accord.cases.relief_rules import (
    RELIEF_RULES,
    ReliefAction,
    ReliefKindCode,
    relief_permission,
)
from accord.cases.services import (
    certifying_official_designate,
    immigration_relief_create,
    immigration_relief_update,
)
from accord.core.model import Sector
from accord.errors import NotFound, PermissionDenied, ValidationError

from .conftest import open_case

CP = "continued_presence"
T = "t_visa_declaration"
U = "u_visa_certification"
HHS_MINOR = "hhs_eligibility_letter"
HHS_ADULT = "hhs_certification_letter"
LOCAL, STATE, FEDERAL = "law_enforcement_local", "law_enforcement_state", "law_enforcement_federal"
PROS, VSP, LEGAL, CPS = "prosecution", "victim_services", "legal_services", "child_protection"
HEALTH, OTHER = "health", "other"
INV, PRO, ADV, COORD = "investigator", "prosecutor", "advocate", "coordinator"

# (kind, action, sector, role, designated, working the case) -> allowed
KEY_ROWS: list[tuple[str, str, str, str, bool, bool, bool]] = [
    # Continued Presence: only federal law enforcement requests it (28 C.F.R. 1100.35)
    (CP, "request", FEDERAL, INV, False, True, True),
    (CP, "request", FEDERAL, INV, False, False, False),  # not working the case
    (CP, "request", LOCAL, INV, False, True, False),
    (CP, "request", STATE, INV, True, True, False),
    (CP, "request", PROS, PRO, True, True, False),
    (CP, "request", VSP, ADV, False, True, False),
    (CP, "request", LEGAL, ADV, False, True, False),
    (CP, "request", FEDERAL, PRO, False, True, False),  # a federal user, but not an investigator
    (CP, "prepare", LEGAL, ADV, False, True, False),  # legal services ask HSI, they do not file
    (CP, "prepare", FEDERAL, INV, False, True, True),
    (CP, "withdraw", FEDERAL, INV, False, True, True),
    (CP, "withdraw", LOCAL, INV, False, True, False),
    (CP, "sign", FEDERAL, INV, True, True, False),  # CP is not signed by anyone
    (CP, "record_outcome", FEDERAL, INV, False, True, True),
    (CP, "record_outcome", VSP, ADV, False, True, False),
    # T declaration: any law enforcement investigator working the case signs (8 CFR 214.11(d)(3))
    (T, "sign", LOCAL, INV, False, True, True),
    (T, "sign", STATE, INV, False, True, True),
    (T, "sign", FEDERAL, INV, False, True, True),
    (T, "sign", LOCAL, INV, False, False, False),
    (T, "sign", PROS, PRO, True, True, False),
    (T, "sign", VSP, ADV, False, True, False),
    (T, "sign", LEGAL, ADV, True, True, False),
    (T, "sign", CPS, ADV, True, True, False),
    (T, "withdraw", LOCAL, INV, False, True, True),
    (T, "withdraw", LEGAL, ADV, False, True, False),
    (T, "prepare", LEGAL, ADV, False, True, True),
    (T, "prepare", VSP, ADV, False, True, True),
    (T, "prepare", LOCAL, INV, False, True, True),
    (T, "prepare", HEALTH, ADV, False, True, False),
    (T, "request", LEGAL, ADV, False, True, True),
    (T, "request", LOCAL, INV, False, True, False),
    (T, "record_outcome", LEGAL, ADV, False, True, True),
    # U certification: only a designated certifying official of a certifying agency
    (U, "sign", PROS, PRO, True, True, True),
    (U, "sign", PROS, PRO, False, True, False),  # a prosecutor who is not designated
    (U, "sign", PROS, PRO, True, False, False),
    (U, "sign", LOCAL, INV, True, True, True),
    (U, "sign", STATE, INV, True, True, True),
    (U, "sign", FEDERAL, INV, True, True, True),
    (U, "sign", LOCAL, INV, False, True, False),
    (U, "sign", CPS, ADV, True, True, True),  # child protection certifies too
    (U, "sign", VSP, ADV, True, True, False),  # a provider is never a certifying agency
    (U, "sign", LEGAL, ADV, True, True, False),
    (U, "sign", HEALTH, ADV, True, True, False),
    (U, "sign", OTHER, ADV, True, True, False),
    (U, "sign", PROS, COORD, True, True, False),
    (U, "withdraw", PROS, PRO, True, True, True),
    (U, "withdraw", PROS, PRO, False, True, False),
    (U, "prepare", LEGAL, ADV, False, True, True),
    (U, "prepare", PROS, PRO, False, True, True),
    (U, "prepare", CPS, ADV, False, True, False),
    (U, "request", VSP, ADV, False, True, True),
    (U, "request", PROS, PRO, True, True, False),
    # HHS letters: the federal partner or the victim's provider files the request
    (HHS_MINOR, "request", FEDERAL, INV, False, True, True),
    (HHS_MINOR, "request", VSP, ADV, False, True, True),
    (HHS_MINOR, "request", LEGAL, ADV, False, True, True),
    (HHS_MINOR, "request", CPS, ADV, False, True, True),
    (HHS_MINOR, "request", LOCAL, INV, False, True, False),
    (HHS_MINOR, "request", PROS, PRO, False, True, False),
    (HHS_MINOR, "request", VSP, ADV, False, False, False),
    (HHS_MINOR, "sign", FEDERAL, INV, True, True, False),
    (HHS_ADULT, "request", FEDERAL, INV, False, True, True),
    (HHS_ADULT, "request", VSP, ADV, False, True, True),
    (HHS_ADULT, "request", STATE, INV, False, True, False),
    (HHS_ADULT, "prepare", LEGAL, ADV, False, True, True),
    (HHS_ADULT, "prepare", PROS, PRO, False, True, False),
]


@pytest.mark.parametrize(
    ("kind", "action", "sector", "role", "designated", "working", "allowed"), KEY_ROWS
)
def test_key_rows_of_the_signer_table(kind, action, sector, role, designated, working, allowed):
    answer = relief_permission(
        kind,
        action,
        sector=sector,
        roles=frozenset({role}),
        designated=designated,
        working_case=working,
    )
    assert answer.allowed is allowed
    if not allowed:
        assert answer.message.startswith(("Only ", "Nobody may "))


def _generated_rows() -> list[tuple[str, str, str, str, bool, bool, bool]]:
    """Every (kind, action, sector, role, designated?, working?) with the answer the table's own
    row gives, read field by field (not through the function under test)."""
    rows = []
    for kind, action, sector, role, designated, working in itertools.product(
        ReliefKindCode, ReliefAction, Sector, (INV, PRO, ADV, COORD), (False, True), (False, True)
    ):
        authority = RELIEF_RULES[kind].get(action)
        expected = (
            authority is not None
            and sector in authority.sectors
            and role in authority.roles
            and (designated or not authority.designated)
            and (working or not authority.working_case)
        )
        rows.append((kind.value, action.value, sector.value, role, designated, working, expected))
    return rows


def test_every_combination_answers_as_its_table_row_says():
    mismatches = [
        row
        for row in _generated_rows()
        if relief_permission(
            row[0],
            row[1],
            sector=row[2],
            roles=frozenset({row[3]}),
            designated=row[4],
            working_case=row[5],
        ).allowed
        is not row[6]
    ]
    assert not mismatches


def test_the_table_keeps_the_laws_invariants():
    """Whatever the rows hold, these follow from the law: only federal law enforcement requests
    CP, nobody signs what is not signed, a U signature needs a designation, every action needs
    an agency working the case, and no provider ever signs."""
    for kind, row in RELIEF_RULES.items():
        for action, authority in row.items():
            assert authority.working_case, (kind, action)
            if action is ReliefAction.SIGN:
                assert not authority.sectors & {Sector.VICTIM_SERVICES, Sector.LEGAL_SERVICES}
    assert RELIEF_RULES[ReliefKindCode.CONTINUED_PRESENCE][ReliefAction.REQUEST].sectors == {
        Sector.LAW_ENFORCEMENT_FEDERAL
    }
    assert ReliefAction.SIGN not in RELIEF_RULES[ReliefKindCode.CONTINUED_PRESENCE]
    assert RELIEF_RULES[ReliefKindCode.U_VISA_CERTIFICATION][ReliefAction.SIGN].designated
    assert RELIEF_RULES[ReliefKindCode.U_VISA_CERTIFICATION][ReliefAction.WITHDRAW].designated
    assert not RELIEF_RULES[ReliefKindCode.T_VISA_DECLARATION][ReliefAction.SIGN].designated


def test_the_table_covers_every_kind_the_records_know():
    assert {k.value for k in ReliefKindCode} == set(ReliefKind.values)
    assert set(RELIEF_RULES) == set(ReliefKindCode)


def test_a_refusal_names_who_may_act():
    answer = relief_permission(
        U, "sign", sector=PROS, roles=frozenset({PRO}), designated=False, working_case=True
    )
    assert "designated certifying official" in answer.message
    answer = relief_permission(
        CP, "request", sector=LOCAL, roles=frozenset({INV}), designated=False, working_case=True
    )
    assert "federal law enforcement" in answer.message
    assert not relief_permission(
        "asylum", "request", sector=FEDERAL, roles=frozenset({INV}), designated=False,
        working_case=True,
    ).allowed  # fmt: skip


# --- the services ask the table ---------------------------------------------------------------


def _authorize(*users):
    today = timezone.localdate()
    for user in users:
        user.immigration_relief_authorized = True
        user.cjis_training_on = user.background_check_passed_on = today
        user.save()


@pytest.mark.django_db
def test_only_the_federal_partner_requests_continued_presence(people):
    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    _authorize(people["rpd"])
    with pytest.raises(PermissionDenied, match="federal law enforcement"):
        immigration_relief_create(actor=people["rpd"], victim_id=victim.pk, kind=CP)
    relief = immigration_relief_create(actor=people["hsi"], victim_id=victim.pk, kind=CP)
    assert relief.status == ReliefStatus.REQUESTED


@pytest.mark.django_db
def test_a_non_designated_prosecutor_is_refused_and_the_designated_one_signs(people, make_member):
    """The U certification: prepared by legal aid, signed only by the USAO's designated
    certifying official; a colleague prosecutor without the designation is refused."""
    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    usao = people["da"]
    colleague = make_member("prosecutor.da2", roles=[Role.PROSECUTOR], agency_slug=usao.agency.slug)
    _authorize(usao, colleague)
    from accord.cases.models import CaseParticipant

    CaseParticipant.objects.get_or_create(
        case=case, agency=usao.agency, defaults={"joined_at": timezone.now()}
    )
    relief = immigration_relief_create(actor=usao, victim_id=victim.pk, kind=U)
    assert relief.status == ReliefStatus.DRAFT
    with pytest.raises(PermissionDenied, match="designated certifying official"):
        immigration_relief_update(
            actor=colleague, relief_id=relief.pk, status="signed", expected_version=1
        )
    with pytest.raises(PermissionDenied, match="designated certifying official"):
        immigration_relief_update(
            actor=usao, relief_id=relief.pk, status="signed", expected_version=1
        )
    coordinator = people["coordinator"]
    certifying_official_designate(actor=coordinator, agency=usao.agency, user=usao)
    signed = immigration_relief_update(
        actor=usao, relief_id=relief.pk, status="signed", expected_version=1
    )
    assert signed.status == ReliefStatus.SIGNED and signed.signed_by_id == usao.pk


@pytest.mark.django_db
def test_a_local_investigator_signs_a_t_declaration_an_advocate_may_not(people):
    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    _authorize(people["rpd"], people["legal"])
    relief = immigration_relief_create(actor=people["rpd"], victim_id=victim.pk, kind=T)
    signed = immigration_relief_update(
        actor=people["rpd"], relief_id=relief.pk, status="signed", expected_version=1
    )
    assert signed.signed_by_id == people["rpd"].pk
    assert ImmigrationRelief.objects.get(pk=relief.pk).status == ReliefStatus.SIGNED


@pytest.mark.django_db
def test_an_agency_off_the_case_may_not_act_even_when_the_sector_may(people):
    """The table's "working the case": a federal agent whose agency is not on the case."""
    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    _authorize(people["hsi"])
    from accord.cases.models import CaseParticipant

    CaseParticipant.objects.filter(case=case, agency=people["hsi"].agency).delete()
    with pytest.raises((PermissionDenied, NotFound)):
        immigration_relief_create(actor=people["hsi"], victim_id=victim.pk, kind=CP)


@pytest.mark.django_db
def test_only_certifying_agencies_get_certifying_officials(people):
    advocate = people["newdawn"]
    _authorize(advocate)
    with pytest.raises(Exception, match="not a certifying agency"):
        certifying_official_designate(
            actor=people["coordinator"],
            agency=Agency.objects.get(pk=advocate.agency_id),
            user=advocate,
        )
    assert not CertifyingOfficial.objects.filter(user=advocate).exists()


# --- authorization and designation in the UI (8 U.S.C. 1367; S7 re-authentication) -----------


def _client(user, *, reauthenticated: bool = True):
    from django.test import Client

    from conftest import sign_in

    client = sign_in(Client(), user)
    if reauthenticated:
        session = client.session
        session["accord_reauth_at"] = timezone.now().timestamp()
        session.save()
    return client


def _events(kind: str) -> list:
    from accord.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(event=kind))


ACCESS_URL = "/cases/immigration-access/"


@pytest.mark.django_db
def test_the_access_page_needs_a_recent_reauthentication(people):
    response = _client(people["coordinator"], reauthenticated=False).get(ACCESS_URL)
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    response = _client(people["coordinator"], reauthenticated=False).post(
        ACCESS_URL, {"user": people["rpd"].pk, "change": "authorize"}
    )
    assert response.status_code == 302 and "reauthenticate" in response["Location"]
    people["rpd"].refresh_from_db()
    assert not people["rpd"].immigration_relief_authorized


@pytest.mark.django_db
def test_a_coordinator_authorizes_and_revokes_audited(people):
    client = _client(people["coordinator"])
    assert people["rpd"].__str__() in client.get(ACCESS_URL).content.decode()
    response = client.post(ACCESS_URL, {"user": people["rpd"].pk, "change": "authorize"})
    assert response.status_code == 302
    people["rpd"].refresh_from_db()
    assert people["rpd"].immigration_relief_authorized
    (granted,) = _events("immigration_authorization_granted")
    assert (
        granted.actor_id == people["coordinator"].pk and int(granted.object_id) == people["rpd"].pk
    )
    client.post(ACCESS_URL, {"user": people["rpd"].pk, "change": "revoke"})
    people["rpd"].refresh_from_db()
    assert not people["rpd"].immigration_relief_authorized
    assert len(_events("immigration_authorization_revoked")) == 1


@pytest.mark.django_db
def test_an_agency_lead_manages_only_their_own_agency(people, make_member):
    """people["da"] leads the DA's office: they authorize and designate a DA colleague; a
    police investigator is neither listed nor changeable by them."""
    colleague = make_member("prosecutor.da2", roles=[Role.PROSECUTOR], agency_slug="da-example")
    client = _client(people["da"])
    page = client.get(ACCESS_URL).content.decode()
    assert colleague.__str__() in page and people["rpd"].__str__() not in page
    refused = client.post(ACCESS_URL, {"user": people["rpd"].pk, "change": "authorize"})
    assert refused.status_code == 403
    people["rpd"].refresh_from_db()
    assert not people["rpd"].immigration_relief_authorized
    client.post(ACCESS_URL, {"user": colleague.pk, "change": "authorize"})
    client.post(ACCESS_URL, {"user": colleague.pk, "change": "designate"})
    assert CertifyingOfficial.objects.filter(user=colleague).exists()
    (designated,) = _events("certifying_official_designated")
    assert designated.actor_id == people["da"].pk
    colleague.refresh_from_db()
    with pytest.raises(ValidationError, match="end the designation first"):
        from accord.cases.services import immigration_authorization_set

        immigration_authorization_set(actor=people["da"], user=colleague, authorized=False)
    client.post(ACCESS_URL, {"user": colleague.pk, "change": "undesignate"})
    assert not CertifyingOfficial.objects.filter(user=colleague).exists()
    assert len(_events("certifying_official_undesignated")) == 1


@pytest.mark.django_db
def test_a_user_neither_coordinator_nor_lead_may_not_manage_access(people, make_member):
    plain = make_member("investigator.rpd3", roles=[Role.INVESTIGATOR], agency_slug="riverton-pd")
    client = _client(plain)
    assert client.get(ACCESS_URL).status_code == 403
    assert client.post(ACCESS_URL, {"user": plain.pk, "change": "authorize"}).status_code == 403
    plain.refresh_from_db()
    assert not plain.immigration_relief_authorized
    assert not _events("immigration_authorization_granted")


@pytest.mark.django_db
def test_designation_needs_the_authorization_first(people, make_member):
    colleague = make_member("prosecutor.da4", roles=[Role.PROSECUTOR], agency_slug="da-example")
    with pytest.raises(ValidationError, match="authorized"):
        certifying_official_designate(actor=people["da"], agency=colleague.agency, user=colleague)


@pytest.mark.django_db
def test_the_case_page_offers_only_the_relief_kinds_the_viewer_may_open(people):
    """The federal agent is offered Continued Presence; an authorized local investigator the T
    and U drafts but not CP; an unauthorized user no relief link and a 404 form."""
    from django.urls import reverse

    case = open_case(people["rpd"])
    form_url = reverse("cases:record_new", args=[case.pk, "immigration"])
    hsi_form = _client(people["hsi"]).get(form_url).content.decode()
    assert 'value="continued_presence"' in hsi_form
    assert _client(people["rpd"]).get(form_url).status_code == 404
    page = _client(people["rpd"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert form_url not in page
    _authorize(people["rpd"])
    rpd_form = _client(people["rpd"]).get(form_url).content.decode()
    assert 'value="t_visa_declaration"' in rpd_form and 'value="u_visa_certification"' in rpd_form
    assert 'value="continued_presence"' not in rpd_form
    hand_made = _client(people["rpd"]).post(
        form_url, {"victim": case.potentialvictims.get().pk, "kind": "continued_presence"}
    )
    assert hand_made.status_code == 200  # the form refuses a kind it does not offer
    assert not ImmigrationRelief.objects.exists()


@pytest.mark.django_db
def test_requesting_continued_presence_completes_only_that_victims_task(people):
    """Each foreign-national victim has her own CP task; a request for V-1 does V-1's, never
    V-2's (her request has not been made)."""
    import uuid

    from accord.cases.models import Task, TaskStatus
    from accord.cases.services import VictimInput, case_open

    case = case_open(
        actor=people["rpd"],
        title="Two workers",
        incident_kind="victim_ready",
        facts={"trafficking_type": "labor", "jurisdiction": "riverton"},
        intake_token=uuid.uuid4().hex,
        victims=[
            VictimInput(pseudonym=f"V-{i}", age=30, citizenship="foreign_national") for i in (1, 2)
        ],
    )
    first, second = case.potentialvictims.order_by("pk")
    immigration_relief_create(actor=people["hsi"], victim_id=first.pk, kind=CP)
    statuses = dict(
        Task.objects.filter(case=case, deadline_id="continued-presence-request").values_list(
            "anchor_ref", "status"
        )
    )
    assert statuses == {
        f"victim:{first.pk}": TaskStatus.DONE,
        f"victim:{second.pk}": TaskStatus.OPEN,
    }


@pytest.mark.django_db
def test_the_case_page_says_who_signs_to_a_viewer_who_may_not(people, make_member):
    """A U draft shown to an authorized prosecutor who is not designated names who signs it (and
    offers no "Signed"); the designated official gets no such sentence."""
    from django.urls import reverse

    case = open_case(people["rpd"])
    victim = case.potentialvictims.get()
    usao = people["da"]
    colleague = make_member("prosecutor.da5", roles=[Role.PROSECUTOR], agency_slug=usao.agency.slug)
    _authorize(usao, colleague)
    from accord.cases.models import CaseParticipant

    CaseParticipant.objects.get_or_create(
        case=case, agency=usao.agency, defaults={"joined_at": timezone.now()}
    )
    immigration_relief_create(actor=usao, victim_id=victim.pk, kind=U)
    certifying_official_designate(actor=people["coordinator"], agency=usao.agency, user=usao)
    url = reverse("cases:detail", args=[case.pk])
    sentence = "Only the designated certifying official of a certifying agency"
    refused = _client(colleague).get(url).content.decode()
    assert sentence in refused and 'value="signed"' not in refused
    signer = _client(usao).get(url).content.decode()
    assert sentence not in signer and 'value="signed"' in signer
    relief = ImmigrationRelief.objects.get()
    immigration_relief_update(actor=usao, relief_id=relief.pk, status="signed", expected_version=1)
    signed = _client(usao).get(url).content.decode()
    assert 'value="signed"' not in signed  # a signed record is not offered "Signed" again
    assert 'value="withdrawn"' in signed


@pytest.mark.django_db
def test_the_case_page_names_whom_a_relief_record_and_a_charging_decision_concern(people):
    from django.urls import reverse

    from accord.cases.services import charging_record

    case = open_case(people["rpd"], victims=2)
    second = case.potentialvictims.order_by("pk")[1]
    immigration_relief_create(actor=people["hsi"], victim_id=second.pk, kind=CP)
    charging_record(
        actor=people["rpd"],
        victim_id=second.pk,
        arrested=True,
        charged=False,
        decision="not_charged",
    )
    page = _client(people["hsi"]).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "Continued Presence request for V-2: Requested" in page
    assert "Charging (V-2): Not charged" in page
