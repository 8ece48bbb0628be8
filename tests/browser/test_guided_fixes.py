"""Fix it from the finding, in a real browser, as the coordinator (issue 14's "Done when").

The coordinator opens the draft in the guided editor, narrows the placement rule for minors
so a gap appears pinned to the table, answers it with "Answer this situation", sees the
finding disappear, then creates an overlap (a copied rule changed to 14-15 and another
service), sees the two rules side by side and narrows one of them out of it, reads the same
draft back in the YAML view, and circulates it. A draft that sends minors to an adults-only
shelter shows the reason on the rule's row with the services that fit, and cannot be
circulated: the circulate button says why. The pages are checked at 390 pixels.
"""

from __future__ import annotations

import pathlib

import pytest

from accord.accounts.tests.factories import DEFAULT_PASSWORD as PASSWORD
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import reauthenticate, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
DIRECTORY = REPO / "examples" / "directory" / "example-county.json"
TEENS_TO_ADULTS = EXAMPLE.read_text(encoding="utf-8").replace(
    """        when: {victim_age: "[12..17]"}
        then: {service: riverside-youth-shelter}""",
    """        when: {victim_age: "[12..17]"}
        then: {service: harbor-light-safe-house}""",
)


def _draft(task_force, make_member, text: str):  # type: ignore[no-untyped-def]
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.protocols import services

    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DIRECTORY))
    coordinator = make_member("dana.coordinator", roles=["coordinator"], agency_slug="riverton-pd")
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=text
    )
    return coordinator, version


def _fits_390(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} pixels wide"


def _post(page, button) -> None:  # type: ignore[no-untyped-def]
    """Click a button of the guided editor's form, which htmx posts, and wait until the answer
    is swapped in (htmx swaps before it signals the request's end)."""
    page.evaluate(
        "() => { window.accordAnswered = false; document.body.addEventListener("
        "'htmx:afterRequest', () => { window.accordAnswered = true; }, { once: true }); }"
    )
    button.click()
    page.wait_for_function("() => window.accordAnswered === true")


def _save(page) -> None:  # type: ignore[no-untyped-def]
    _post(page, page.get_by_role("button", name="Save changes").first)


def test_the_coordinator_fixes_a_gap_and_an_overlap_and_circulates(page, task_force, make_member):
    from accord.core import load_protocol
    from accord.protocols.models import ProtocolStatus, ProtocolVersion

    coordinator, version = _draft(task_force, make_member, EXAMPLE.read_text(encoding="utf-8"))
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto(f"/protocols/{version.number}/")
    page.get_by_role("link", name="Edit the rules (guided editor)").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Where a potential victim stays after recovery").click()
    page.wait_for_load_state()

    # Narrow P2 (12-17 becomes 12-15): the gap 16-17 is pinned to the table; answer it.
    page.locator('tr[data-rule="P2"]').get_by_label("to", exact=True).fill("15")
    _save(page)
    gap = page.locator("tr.gap")
    assert gap.count() == 1 and "16 to 17" in gap.inner_text()
    _post(page, gap.get_by_role("button", name="Answer this situation"))
    page.locator("tr#row-5").get_by_label("Service").select_option(
        label="Riverside emergency youth shelter"
    )
    _save(page)
    assert page.locator("tr.gap").count() == 0
    assert page.get_by_text("every situation gets an answer").is_visible()

    # Create an overlap: copy P2 and make the copy 14-15, answered by emergency foster care.
    _post(page, page.locator('tr[data-rule="P2"]').get_by_role("button", name="Copy"))
    copy = page.locator('tr[data-rule="P7"]')
    copy.get_by_label("from", exact=True).fill("14")
    copy.get_by_label("Service").select_option(label="Emergency foster placement")
    _save(page)
    block = page.locator("#overlap-0")
    assert "Rules P2, P7 all apply when:" in block.inner_text()
    assert "Victim age (years): 14 to 15" in block.inner_text()
    p2, p7 = block.locator('[data-rule="P2"]'), block.locator('[data-rule="P7"]')
    assert "12 to 15" in p2.inner_text() and "Riverside emergency youth shelter" in p2.inner_text()
    assert "14 to 15" in p7.inner_text() and "Emergency foster placement" in p7.inner_text()
    assert block.get_by_role("button", name="Rule P7 first").is_visible()
    assert page.locator('tr[data-rule="P2"] .pinned').is_visible()
    assert_accessible(page)
    screenshot(page, "guided-fix-01-overlap-side-by-side")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_390(page)
    block.scroll_into_view_if_needed()
    screenshot(page, "guided-fix-02-overlap-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Narrow P2 so it leaves 14-15 to P7: P2 becomes 12-13, checked again at once.
    _post(
        page,
        block.get_by_role("button", name="Narrow rule P2 so it leaves this situation to rule P7"),
    )
    assert page.get_by_text(
        "Rule P2 now leaves Victim age (years): 14 to 15 to rule P7"
    ).is_visible()
    assert page.locator("#overlap-0").count() == 0 and page.locator("tr.gap").count() == 0
    assert page.get_by_text("every situation gets an answer").is_visible()
    row = page.locator('tr[data-rule="P2"]')
    assert row.get_by_label("to", exact=True).input_value() == "13"
    screenshot(page, "guided-fix-03-overlap-narrowed")

    # The same draft in the YAML view.
    page.get_by_role("link", name="Edit as text (YAML view)").click()
    page.wait_for_load_state()
    text = page.get_by_label("Protocol text (YAML)").input_value()
    assert "[12..13]" in text and "[14..15]" in text and "[16..17]" in text
    stored = ProtocolVersion.objects.get(pk=version.pk)
    assert load_protocol(text) == load_protocol(stored.yaml_text)

    # Circulate from the guided editor's list of questions.
    page.goto(f"/protocols/{version.number}/guided/")
    assert page.get_by_text("the draft can go to every member agency").is_visible()
    page.get_by_role("button", name="Circulate for sign-off").click()
    page.wait_for_load_state()
    reauthenticate(page, coordinator)
    if page.get_by_role("heading", name=f"Circulate version {version.number}").is_visible():
        page.get_by_role("button", name="Circulate for sign-off").click()
        page.wait_for_load_state()
    assert page.locator("#version-status").inner_text() == "Circulated for sign-off"
    assert ProtocolVersion.objects.get(pk=version.pk).status == ProtocolStatus.CIRCULATED
    screenshot(page, "guided-fix-04-circulated")


def test_a_minor_sent_to_an_adult_shelter_is_pinned_and_the_draft_cannot_circulate(
    page, task_force, make_member
):
    from accord.protocols.models import ProtocolStatus, ProtocolVersion

    coordinator, version = _draft(task_force, make_member, TEENS_TO_ADULTS)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_as(page, coordinator, password=PASSWORD)
    page.goto(f"/protocols/{version.number}/guided/placement/")
    fixes = page.locator("#fixes-1")
    assert "Harbor Light safe house does not take everyone" in fixes.inner_text()
    assert "A minor cannot be sent to a service for adults" in fixes.inner_text()
    assert fixes.get_by_role("button", name="Use Riverside emergency youth shelter").is_visible()
    _fits_390(page)
    assert_accessible(page)
    fixes.scroll_into_view_if_needed()
    screenshot(page, "guided-fix-05-law-pinned-phone")

    # The circulate button says why it is refused, and the server refuses it.
    page.goto(f"/protocols/{version.number}/guided/")
    assert page.get_by_text("This draft cannot be circulated").is_visible()
    _fits_390(page)
    screenshot(page, "guided-fix-06-circulation-refused-phone")
    page.get_by_role("button", name="Circulate for sign-off").click()
    page.wait_for_load_state()
    reauthenticate(page, coordinator)
    assert page.get_by_role(
        "heading", name=f"Version {version.number} cannot be circulated yet"
    ).is_visible()
    assert page.get_by_text("A minor cannot be sent to a service for adults").is_visible()
    assert page.get_by_role("button", name="Circulate for sign-off").count() == 0
    _fits_390(page)
    assert_accessible(page)
    screenshot(page, "guided-fix-07-circulate-refused")
    assert ProtocolVersion.objects.get(pk=version.pk).status == ProtocolStatus.DRAFT

    # One click on the service that fits: the finding goes, and the draft can circulate.
    page.goto(f"/protocols/{version.number}/guided/placement/")
    _post(
        page,
        page.locator("#fixes-1").get_by_role(
            "button", name="Use Riverside emergency youth shelter"
        ),
    )
    assert page.locator("#fixes-1").is_hidden()
    assert page.get_by_text("every situation gets an answer").is_visible()
    page.goto(f"/protocols/{version.number}/guided/")
    assert page.get_by_text("the draft can go to every member agency").is_visible()
