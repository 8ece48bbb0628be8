"""Fix it from the finding, in the guided editor: an overlap shown side by side and fixed by
narrowing a rule or making the order explicit; a directory mismatch fixed by one click on a
service that fits; a finding the law fixes pinned with its reason and blocking circulation."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accord.audit.testing import assert_audited
from accord.directory.models import Language, Organization, Service
from accord.directory.vocabulary import pack
from accord.protocols import services
from accord.protocols.directory_checks import RuleReference
from accord.protocols.editor_directory import _fitting
from accord.protocols.models import ProtocolStatus, ProtocolVersion

from .conftest import reauthenticated, sign_in_client
from .test_directory_checks import TEENS_TO_ADULT_SHELTER
from .test_editor_views import _form, _url

pytestmark = pytest.mark.django_db

P2 = """      - id: P2
        when: {victim_age: "[12..17]"}
        then: {service: riverside-youth-shelter}"""
#: A sixth placement rule for 14 and 15 year olds: it overlaps P2 and answers differently.
WITH_OVERLAP = (
    P2
    + """
        how: Riverside Youth Shelter takes minors 12-17 of every gender; CPS is notified at once.
      - id: P6
        when: {victim_age: "[14..15]"}
        then: {service: cps-emergency-placement}"""
)


def _overlapping(text: str) -> str:
    marker = (
        P2
        + "\n        how: Riverside Youth Shelter takes minors 12-17 of every gender; CPS is notified at once."
    )
    assert marker in text, "the example protocol no longer has rule P2 as written"
    return text.replace(marker, WITH_OVERLAP)


@pytest.fixture
def coordinator_client(coordinator):
    return sign_in_client(coordinator)


@pytest.fixture
def overlapping(coordinator, task_force, example_text):
    return services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=_overlapping(example_text)
    )


def _placement(version):
    version.refresh_from_db()
    return version.protocol.decisions["placement"]


def _ages(decision):
    return {rule.id: rule.condition("victim_age").text for rule in decision.rules}


def test_an_overlap_shows_the_rules_side_by_side_with_their_answers_by_name(
    coordinator_client, overlapping
):
    page = coordinator_client.get(_url(overlapping)).content.decode()
    assert 'id="overlap-0"' in page
    assert "Rules P2, P6 all apply when:" in page
    assert "<strong>Victim age (years): 14 to 15</strong>" in page
    block = page[page.index('id="overlap-0"') :]
    assert "<dd>12 to 17</dd>" in block and "<dd>14 to 15</dd>" in block
    assert "Riverside emergency youth shelter" in block
    assert "Emergency foster placement" in block
    assert "riverside-youth-shelter</strong>" not in block  # names, never ids
    assert "Narrow rule P2 so it leaves this situation to rule P6" in block
    assert "Remove rule P6: rule P1" not in block
    assert "Remove rule P6: rule P2 already answers all its situations" in block
    # they answer differently: the order can be made explicit, either way round
    assert 'value="order-0-P2"' in block and 'value="order-0-P6"' in block
    assert "They answer differently" in block


def test_narrowing_a_rule_splits_it_around_the_overlap_and_keeps_its_answer_and_guidance(
    coordinator_client, overlapping, coordinator
):
    how = _placement(overlapping).rules[1].how
    response = coordinator_client.post(
        _url(overlapping), _form(overlapping, action="narrow-0-P2"), follow=True
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rule P2 now leaves Victim age (years): 14 to 15 to rule P6" in page
    assert "takes 2 rules" in page
    decision = _placement(overlapping)
    assert _ages(decision) == {
        "P1": "[0..11]",
        "P2": "[12..13]",
        "P7": "[16..17]",
        "P3": ">= 18",
        "P4": ">= 18",
        "P5": ">= 18",
        "P6": "[14..15]",
    }
    p7 = next(rule for rule in decision.rules if rule.id == "P7")
    assert p7.outputs == {"service": "riverside-youth-shelter"} and p7.how == how
    assert [rule.id for rule in decision.rules][:3] == ["P1", "P2", "P7"]
    assert 'id="overlap-0"' not in page and "every situation gets an answer" in page
    assert_audited("protocol_decision_edited", object_id=overlapping.pk, actor=coordinator)


def test_narrowing_a_rule_inside_the_overlap_removes_it(coordinator_client, overlapping):
    response = coordinator_client.post(_url(overlapping), _form(overlapping, action="narrow-0-P6"))
    assert response.status_code == 302
    assert "P6" not in _ages(_placement(overlapping))


def test_making_the_order_explicit_puts_the_chosen_rule_first_under_first_wins(
    coordinator_client, overlapping
):
    response = coordinator_client.post(
        _url(overlapping), _form(overlapping, action="order-0-P6"), follow=True
    )
    page = response.content.decode()
    assert "the first one in the table now wins: rule P6 comes before rule P2" in page
    decision = _placement(overlapping)
    assert decision.hit_policy.value == "FIRST"
    assert [rule.id for rule in decision.rules] == ["P1", "P6", "P2", "P3", "P4", "P5"]
    assert 'value="first" checked' in page
    assert 'id="overlap-0"' not in page


def test_rules_that_agree_are_not_offered_an_order_but_may_be_allowed_to_overlap(
    coordinator_client, draft_with_copy
):
    page = coordinator_client.get(_url(draft_with_copy)).content.decode()
    block = page[page.index('id="overlap-0"') :]
    assert "They give the same answer here" in block and "order-0-" not in block
    response = coordinator_client.post(
        _url(draft_with_copy), _form(draft_with_copy, action="agree-0"), follow=True
    )
    assert _placement(draft_with_copy).hit_policy.value == "ANY"
    assert 'id="overlap-0"' not in response.content.decode()


@pytest.fixture
def draft_with_copy(coordinator_client, coordinator, task_force, example_text):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    assert (
        coordinator_client.post(_url(version), _form(version, action="copy-0")).status_code == 302
    )
    version.refresh_from_db()
    return version


@pytest.mark.parametrize("action", ["narrow-7-P2", "narrow-0-P9", "order-x-P2", "use-1-0-nowhere"])
def test_a_fix_that_no_longer_matches_the_table_changes_nothing(
    coordinator_client, overlapping, action
):
    response = coordinator_client.post(_url(overlapping), _form(overlapping, action=action))
    assert response.status_code == 409
    assert "nothing was changed" in response.content.decode()
    assert ProtocolVersion.objects.get(pk=overlapping.pk).yaml_text == overlapping.yaml_text


def test_narrowing_a_rule_with_a_wrong_field_saves_nothing_and_marks_the_field(
    coordinator_client, overlapping
):
    def invert(rows):
        rows[1].cells[0].low, rows[1].cells[0].high = "17", "12"

    response = coordinator_client.post(
        _url(overlapping), _form(overlapping, change=invert, action="narrow-0-P2")
    )
    assert response.status_code == 400
    assert "is above" in response.content.decode()
    assert ProtocolVersion.objects.get(pk=overlapping.pk).yaml_text == overlapping.yaml_text


# -- directory mismatches -----------------------------------------------------------------


@pytest.fixture
def teens_to_adults(coordinator, task_force):
    return services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=TEENS_TO_ADULT_SHELTER
    )


def test_a_minor_sent_to_an_adult_service_is_pinned_with_the_reason_and_services_that_fit(
    coordinator_client, teens_to_adults
):
    page = coordinator_client.get(_url(teens_to_adults)).content.decode()
    pinned = page[page.index('id="fixes-1"') :]
    pinned = pinned[: pinned.index("</tr>")]
    assert "Rule P2:" in pinned and "for example, age 12" in pinned
    assert "No accepted-risk note can waive this" in pinned
    assert "A minor cannot be sent to a service for adults" in pinned
    assert "Use Riverside emergency youth shelter" in pinned
    assert "Use Harbor Light" not in pinned and "Use New Dawn" not in pinned
    # services of the kind it replaces (a shelter), not a hotline that would take anyone
    assert "hotline" not in pinned
    assert "Checked: 2 problems to fix" in page  # the verdict counts them (age, gender)


def test_use_a_service_that_fits_sets_the_answer_and_the_finding_goes(
    coordinator_client, teens_to_adults
):
    response = coordinator_client.post(
        _url(teens_to_adults),
        _form(teens_to_adults, action="use-1-0-riverside-youth-shelter"),
        follow=True,
    )
    page = response.content.decode()
    assert "Rule P2 now sends to Riverside emergency youth shelter" in page
    assert _placement(teens_to_adults).rules[1].outputs["service"] == "riverside-youth-shelter"
    assert (
        re.search(r"<tr class=\"row-fixes\" id=\"fixes-1\" hidden>\s*</tr>", page)
        and "every situation gets an answer" in page
    )


def _service(task_force, slug, **fields):
    organization = Organization.objects.filter(task_force=task_force).order_by("pk")[0]
    languages = fields.pop("languages", ())
    service = Service.objects.create(
        organization=organization,
        task_force=task_force,
        hsds_id=slug,
        slug=slug,
        name=slug.replace("-", " ").capitalize(),
        **fields,
    )
    for code in languages:
        Language.objects.create(service=service, hsds_id=f"{slug}-{code}", code=code)
    return service


def test_services_that_fit_are_eligible_for_the_ages_genders_hours_and_languages(directory):
    task_force = directory
    Service.objects.filter(task_force=task_force).delete()
    _service(task_force, "teen-girls-24-7", minimum_age=12, maximum_age=17, genders=pack(["female"]), is_24_7=True, languages=["en", "es"])  # fmt: skip
    _service(task_force, "teens-24-7", minimum_age=10, maximum_age=19, is_24_7=True, languages=["en", "es"], service_types=pack(["emergency_shelter"]))  # fmt: skip
    _service(task_force, "teens-office-hours", minimum_age=10, maximum_age=19, languages=["en", "es"])  # fmt: skip
    _service(task_force, "teens-english-only", minimum_age=10, maximum_age=19, is_24_7=True, languages=["en"])  # fmt: skip
    _service(task_force, "adults-24-7", minimum_age=18, is_24_7=True, languages=["en", "es"])
    rule = RuleReference(
        decision="placement", rule="P2", output="service", kind="service", target="elsewhere",
        ages=((12, 17),), genders=frozenset({"female", "male"}), languages=frozenset({"es"}),
    )  # fmt: skip
    fits = _fitting(task_force=task_force, reference=rule, need_24_7=False)
    assert [slug for slug, _name, _open in fits] == ["teens-24-7", "teens-office-hours"]
    fits = _fitting(task_force=task_force, reference=rule, need_24_7=True)
    assert [slug for slug, _name, _open in fits] == ["teens-24-7"]
    girls = RuleReference(**{**rule.__dict__, "genders": frozenset({"female"})})
    fits = _fitting(task_force=task_force, reference=girls, need_24_7=True)
    assert [slug for slug, _name, _open in fits] == ["teen-girls-24-7", "teens-24-7"]
    shelters = _fitting(
        task_force=task_force,
        reference=rule,
        need_24_7=False,
        kinds=frozenset({"emergency_shelter"}),
    )
    assert [slug for slug, _name, _open in shelters] == ["teens-24-7"]
    nobody = RuleReference(**{**rule.__dict__, "ages": ((5, 25),)})
    assert _fitting(task_force=task_force, reference=nobody, need_24_7=False) == []


def test_when_no_service_fits_the_editor_says_so(coordinator_client, teens_to_adults, task_force):
    Service.objects.filter(task_force=task_force, slug="riverside-youth-shelter").update(
        minimum_age=14
    )
    page = coordinator_client.get(_url(teens_to_adults)).content.decode()
    # the safe house it replaces is open 24/7: so must what replaces it be
    assert "Nothing in the directory is open 24/7 and fits everyone this rule sends there" in page


# -- circulation -----------------------------------------------------------------------------


def test_a_draft_with_a_finding_the_law_fixes_cannot_be_circulated_and_says_why(
    coordinator_client, teens_to_adults
):
    guided = coordinator_client.get(reverse("protocols:guided", args=[teens_to_adults.number]))
    page = guided.content.decode()
    assert "This draft cannot be circulated" in page
    assert "Where a potential victim stays after recovery, rule P2" in page
    assert "A minor cannot be sent to a service for adults" in page
    assert 'aria-describedby="circulate-refused"' in page
    placement = page[page.index('id="guided-placement"') :]
    assert "2 errors" in placement[: placement.index("</tr>")]  # the directory's, counted
    client = reauthenticated(coordinator_client)
    url = reverse("protocols:circulate", args=[teens_to_adults.number])
    refused = client.get(url).content.decode()
    assert "cannot be circulated yet" in refused and "A minor cannot be sent" in refused
    response = client.post(url, follow=True)
    assert "The draft was not circulated" in response.content.decode()
    assert ProtocolVersion.objects.get(pk=teens_to_adults.pk).status == ProtocolStatus.DRAFT


def test_a_sound_draft_is_circulated_from_the_guided_editor(coordinator_client, overlapping):
    page = coordinator_client.get(reverse("protocols:guided", args=[overlapping.number]))
    assert "1 error must be fixed" in page.content.decode()
    coordinator_client.post(_url(overlapping), _form(overlapping, action="narrow-0-P6"))
    page = coordinator_client.get(reverse("protocols:guided", args=[overlapping.number]))
    assert "the draft can go to every member agency" in page.content.decode()
    client = reauthenticated(coordinator_client)
    url = reverse("protocols:circulate", args=[overlapping.number])
    assert "Circulate version" in client.get(url).content.decode()
    client.post(url)
    assert ProtocolVersion.objects.get(pk=overlapping.pk).status == ProtocolStatus.CIRCULATED


def _sending_minors_to_adults(extra_rules: int) -> str:
    """The example with P2 sending minors to an adults-only house, and ``extra_rules`` more
    rules doing the same for narrower ages."""
    sent = """        when: {victim_age: "[12..17]"}
        then: {service: harbor-light-safe-house}"""
    more = "".join(
        f"""
      - id: X{n}
        when: {{victim_age: "[{12 + n}..17]"}}
        then: {{service: harbor-light-safe-house}}"""
        for n in range(extra_rules)
    )
    return TEENS_TO_ADULT_SHELTER.replace(sent, sent + more, 1)


def test_the_fixes_read_the_directory_as_often_for_many_rules_as_for_one(coordinator, task_force):
    """A decision where many rules send people where they do not fit answers as quickly as
    one with one such rule: the directory is read once per page, not once per finding (a
    200-rule table took seconds per save when it was)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accord.protocols.editor import rows_from_decision
    from accord.protocols.editor_directory import row_fixes
    from accord.protocols.words import ProtocolWords

    queries = []
    for extra in (0, 4):
        version = services.protocol_version_create(
            actor=coordinator, task_force=task_force, yaml_text=_sending_minors_to_adults(extra)
        )
        protocol = version.protocol
        decision = protocol.decisions["placement"]
        words = ProtocolWords.for_task_force(task_force.pk, protocol)
        with CaptureQueriesContext(connection) as captured:
            fixes = row_fixes(
                task_force=task_force,
                protocol=protocol,
                decision=decision,
                rows=rows_from_decision(protocol, decision),
                words=words,
            )
        offered = [item for items in fixes.values() for item in items if item["suggestions"]]
        assert len(offered) == 1 + extra  # each rule is offered what fits instead
        queries.append(len(captured))
    assert queries[0] == queries[1], queries
