"""The protocol check: every referenced id exists, is active, reachable and eligible."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.directory.eligibility import (
    FindingCode,
    ReferenceKind,
    ReferenceUse,
    _age_findings,
    check_references,
)
from accord.directory.models import Organization, Phone, Service

pytestmark = pytest.mark.django_db

ORG, SVC = ReferenceKind.ORGANIZATION, ReferenceKind.SERVICE

#: What the example protocol's rules send where (examples/protocols/example-county.yaml).
EXAMPLE_PROTOCOL = [
    ReferenceUse("ecc-911", ORG, "law_enforcement_contact/L1"),
    ReferenceUse("riverton-pd", ORG, "law_enforcement_contact/L2"),
    ReferenceUse("ecso", ORG, "law_enforcement_contact/L3"),
    ReferenceUse("fbi-riverton", ORG, "law_enforcement_contact/L4"),
    ReferenceUse("hsi-riverton", ORG, "law_enforcement_contact/L5"),
    ReferenceUse("dol-oig", ORG, "law_enforcement_contact/L7"),
    ReferenceUse("esp", ORG, "law_enforcement_contact/L8"),
    ReferenceUse("cac-forensic-interview", SVC, "service_referral/S1", ages=((0, 17),)),
    ReferenceUse(
        "harbor-light-case-management",
        SVC,
        "service_referral/S2",
        ages=((18, 120),),
        trafficking_types=frozenset({"sex"}),
    ),
    ReferenceUse(
        "new-dawn-case-management",
        SVC,
        "service_referral/S3",
        ages=((18, 120),),
        trafficking_types=frozenset({"labor"}),
    ),
    ReferenceUse(
        "harbor-light-case-management",
        SVC,
        "service_referral/S4",
        ages=((18, 120),),
        trafficking_types=frozenset({"both"}),
    ),
    ReferenceUse(
        "legal-aid-immigration",
        SVC,
        "service_referral/S5",
        citizenship=frozenset({"foreign_national"}),
    ),
    ReferenceUse("cps-emergency-placement", SVC, "placement/P1", ages=((0, 11),)),
    ReferenceUse("riverside-youth-shelter", SVC, "placement/P2", ages=((12, 17),)),
    ReferenceUse(
        "harbor-light-safe-house",
        SVC,
        "placement/P3",
        ages=((18, 120),),
        genders=frozenset({"female"}),
    ),
    ReferenceUse(
        "new-dawn-housing", SVC, "placement/P4", ages=((18, 120),), genders=frozenset({"male"})
    ),
    ReferenceUse(
        "harbor-light-case-management",
        SVC,
        "placement/P5",
        ages=((18, 120),),
        genders=frozenset({"nonbinary"}),
    ),
    ReferenceUse("court-interpreter-office", SVC, "interpreter/I2"),
    ReferenceUse("bridge-language-interpreting", SVC, "interpreter/I3"),
    ReferenceUse(
        "hhs-otip-eligibility",
        SVC,
        "",
        ages=((0, 17),),
        citizenship=frozenset({"foreign_national"}),
    ),
    ReferenceUse("ecc-911-dispatch", SVC),
    ReferenceUse("example-general-ed", SVC),
    ReferenceUse("hotline-example", SVC),
]
DEMO_ORGANIZATIONS = [
    "ecso",
    "riverton-pd",
    "esp",
    "fbi-riverton",
    "hsi-riverton",
    "dol-oig",
    "usao-example",
    "da-example",
    "harbor-light",
    "new-dawn",
    "legal-aid",
    "bridge-language",
    "cps-example",
    "cac-example",
    "ecc-911",
    "hhs-otip",
    "court-example",
    "riverside-youth",
    "example-general",
    "national-hotline-example",
]


def test_the_demo_directory_satisfies_the_example_protocol(task_force, demo):
    uses = EXAMPLE_PROTOCOL + [ReferenceUse(slug, ORG) for slug in DEMO_ORGANIZATIONS]
    assert check_references(task_force=task_force, references=uses) == []


def test_minors_sent_to_an_adult_shelter_is_a_finding(task_force, demo):
    (finding,) = check_references(
        task_force=task_force,
        references=[
            ReferenceUse(
                "harbor-light-safe-house",
                SVC,
                "placement/P9",
                ages=((12, 17),),
                genders=frozenset({"female"}),
            )
        ],
    )
    assert finding.code == FindingCode.ELIGIBILITY_MISMATCH
    assert finding.example == {"age": 12}
    assert str(finding) == (
        "placement/P9: rule sends ages 12-17 to Harbor Light safe house, "
        "which serves ages 18+ (e.g. age 12)"
    )


def test_any_gender_sent_to_a_womens_shelter_names_an_excluded_gender(task_force, demo):
    findings = check_references(
        task_force=task_force,
        references=[ReferenceUse("harbor-light-safe-house", SVC, "P", ages=((18, 60),))],
    )
    assert [(f.code, dict(f.example)) for f in findings] == [
        (FindingCode.ELIGIBILITY_MISMATCH, {"gender": "male"})
    ]


def test_unknown_inactive_unreachable(task_force, demo):
    Service.objects.filter(slug="legal-aid-vacatur").update(status="defunct")
    Phone.objects.filter(organization__slug="esp").delete()
    Phone.objects.filter(service__organization__slug="esp").update(is_24_7=False)
    Organization.objects.filter(slug="dol-oig").update(is_active=False)
    findings = check_references(
        task_force=task_force,
        references=[
            ReferenceUse("no-such-shelter", SVC, "X1"),
            ReferenceUse("legal-aid-vacatur", SVC, "X2"),
            ReferenceUse("esp", ORG, "X3"),
            ReferenceUse("dol-oig", ORG, "X4"),
        ],
    )
    assert [(f.rule, f.code) for f in findings] == [
        ("X1", FindingCode.UNKNOWN_ID),
        ("X2", FindingCode.INACTIVE),
        ("X3", FindingCode.NO_24_7_CONTACT),
        ("X4", FindingCode.INACTIVE),
    ]


def test_language_and_jurisdiction(task_force, demo):
    findings = check_references(
        task_force=task_force,
        references=[
            ReferenceUse(
                "riverside-youth-shelter",
                SVC,
                "Y1",
                ages=((12, 17),),
                languages=frozenset({"tgl", "vi"}),
                jurisdictions=frozenset({"multi_state"}),
            ),
        ],
    )
    assert [(f.code, dict(f.example)) for f in findings] == [
        (FindingCode.LANGUAGE_NOT_SERVED, {"language": "vi"}),
        (FindingCode.JURISDICTION_NOT_COVERED, {"jurisdiction": "multi_state"}),
    ]


def test_another_task_forces_directory_is_not_consulted(other_task_force, demo):
    findings = check_references(
        task_force=other_task_force, references=[ReferenceUse("harbor-light", ORG)]
    )
    assert [f.code for f in findings] == [FindingCode.UNKNOWN_ID]


intervals = st.tuples(st.integers(0, 120), st.integers(0, 120)).map(sorted).map(tuple)


@settings(max_examples=200, deadline=None)
@given(
    rule=st.lists(intervals, min_size=1, max_size=3),
    low=st.none() | st.integers(0, 120),
    high=st.none() | st.integers(0, 120),
)
def test_age_finding_iff_some_covered_age_is_outside_the_service(rule, low, high):
    if low is not None and high is not None and low > high:
        low, high = high, low
    service = Service(name="S", minimum_age=low, maximum_age=high)
    findings = _age_findings(ReferenceUse("s", SVC, ages=tuple(rule)), service)
    lo, hi = (0 if low is None else low), (120 if high is None else high)
    outside = [age for start, end in rule for age in range(start, end + 1) if not lo <= age <= hi]
    assert bool(findings) == bool(outside)
    if findings:
        assert findings[0].example["age"] in outside
