"""A case travels through the task force, in a real browser (issue 11, "Done when").

Each role signs in with its own account (notice, password, TOTP):

1. a Riverton PD investigator opens a labor-trafficking case with three potential victims
   (two adult foreign nationals, a 17-year-old foreign national) through the intake page →
   a plan for each victim, tasks for every actionable answer (calls, referrals, placement,
   child protection and the HHS notification for the minor), an interpreter request per
   language; she sends New Dawn the referral;
2. New Dawn's advocate accepts it;
3. an HSI agent (authorized for immigration records) requests Continued Presence for V-1;
4. the investigator moves the case to prosecution (the office the protocol proposes); the
   U.S. Attorney's prosecutor sees it in her case list and records a charging decision by
   category; a coordinator designates her certifying official (re-authenticating), and she
   signs the U certification; her colleague who is not designated is told who may sign; an
   authorized Riverton investigator signs a T declaration;
5. every participant's case list and task boards show the case and its work (investigators,
   the federal agent, prosecutors, the provider's advocate, child protection, legal
   services), and users without the immigration-records authorization find no trace of the
   relief records on the case page, the timeline, the API, their notifications or e-mail.

Screenshots (desktop 1280 px; the case page and the boards also at 390 px) go to
test-results/screenshots/travels-*.png.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import pytest
from django.core import mail
from django.utils import timezone

from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import reauthenticate, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPO = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
DIRECTORY = REPO / "examples" / "directory" / "example-county.json"
AGENCIES = {
    "riverton-pd": ("Riverton Police Department", "law_enforcement_local"),
    "ecso": ("Example County Sheriff's Office", "law_enforcement_local"),
    "hsi-riverton": ("Homeland Security Investigations, Riverton", "law_enforcement_federal"),
    "dol-oig": (
        "U.S. Department of Labor, Office of Inspector General, Riverton",
        "law_enforcement_federal",
    ),
    "usao-example": ("U.S. Attorney's Office, District of Example", "prosecution"),
    "da-example": ("Example County District Attorney's Office", "prosecution"),
    "new-dawn": ("New Dawn Anti-Trafficking Coalition", "victim_services"),
    "harbor-light": ("Harbor Light Survivor Services", "victim_services"),
    "cps-example": ("Example County Child Protective Services", "child_protection"),
    "legal-aid": ("Example Legal Aid Society", "legal_services"),
}
PHONE = {"width": 390, "height": 844}

#: What a user without the immigration-records authorization must never meet, in any channel:
#: the relief records (their kinds as the records name them, the canary notes), the
#: Continued Presence task's title.
CANARIES = ("canary-relief-7f3a", "canary-relief-t-91c2", "canary-relief-u-5d0e")
RELIEF_TRACES = (
    *CANARIES,
    "Continued Presence request",
    "T visa declaration (I-914",
    "U visa certification (I-918",
    "requests Continued Presence for V-",
    "Restricted task",
)


# --- set-up ----------------------------------------------------------------------------------


@pytest.fixture
def county(task_force, make_member):
    """The Example County task force: its agencies, directory, protocol and one user per role."""
    from accord.accounts.models import Agency
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import
    from accord.protocols.models import ProtocolVersion

    for slug, (name, sector) in AGENCIES.items():
        Agency.objects.create(task_force=task_force, slug=slug, name=name, sector=sector)
    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DIRECTORY))
    ProtocolVersion.objects.create(
        task_force=task_force,
        number=1,
        title="Example County protocol",
        yaml_text=EXAMPLE.read_text(encoding="utf-8"),
        status="in_force",
    )
    today = timezone.localdate()

    def member(username, role, slug, *, cleared=False, authorized=False):  # type: ignore[no-untyped-def]
        user = make_member(username, roles=[role], agency_slug=slug)
        if cleared:  # CJIS training and background check (S14)
            user.cjis_training_on = today
            user.background_check_passed_on = today
        user.immigration_relief_authorized = authorized
        user.save()
        return user

    users = {
        "investigator": member("jordan.pike", "investigator", "riverton-pd", cleared=True),
        "t_signer": member(
            "riley.tran", "investigator", "riverton-pd", cleared=True, authorized=True
        ),
        "hsi": member(
            "maria.santos", "investigator", "hsi-riverton", cleared=True, authorized=True
        ),
        "prosecutor": member("avery.cole", "prosecutor", "usao-example", cleared=True),
        "colleague": member(
            "blake.reyes", "prosecutor", "usao-example", cleared=True, authorized=True
        ),
        "advocate": member("tomas.herrera", "advocate", "new-dawn"),
        "cps": member("casey.nguyen", "advocate", "cps-example"),
        "legal": member("lee.morgan", "advocate", "legal-aid"),
        "coordinator": member("dana.coordinator", "coordinator", "ecso"),
    }
    Agency.objects.filter(slug="new-dawn").update(lead=users["advocate"])
    return users


@pytest.fixture
def contexts(browser, live_server) -> Iterator[list]:
    opened: list = []
    yield opened
    for context in opened:
        context.close()


def _as(browser, live_server, contexts, user, path="/cases/"):  # type: ignore[no-untyped-def]
    """A fresh desktop browser of ``user``, signed in for real at ``path``."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    contexts.append(context)
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_as(page, user, path=path)
    return page


def _on_phone(browser, live_server, contexts, page, path: str, name: str) -> str:  # type: ignore[no-untyped-def]
    """The same signed-in session on a 390-pixel phone: screenshot ``path``; its main text."""
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, storage_state=page.context.storage_state()
    )
    contexts.append(context)
    phone = context.new_page()
    phone.goto(path)
    screenshot(phone, name)
    assert_accessible(phone)
    width = phone.evaluate("document.documentElement.scrollWidth")
    # every button (e.g. "Take", "Mark done" on a board) is on the screen, not scrolled away
    buttons = phone.evaluate(
        "() => Array.from(document.querySelectorAll('main button'))"
        ".map(b => b.getBoundingClientRect().right)"
    )
    text = phone.inner_text("main")
    context.close()
    contexts.remove(context)
    assert width <= 390 + 1, f"{path} is {width} pixels wide on a phone"
    assert all(right <= 390 for right in buttons), f"{path}: a button is off the screen"
    return text


def _main(page) -> str:  # type: ignore[no-untyped-def]
    return page.inner_text("main")


def _no_relief_trace(text: str, where: str) -> None:
    for trace in RELIEF_TRACES:
        assert trace not in text, f"{trace!r} reached {where}"


# --- the journey -----------------------------------------------------------------------------


def test_a_case_travels_from_intake_to_prosecution(browser, live_server, contexts, county):  # type: ignore[no-untyped-def]
    users = county
    go = lambda user, path="/cases/": _as(browser, live_server, contexts, user, path)  # noqa: E731
    phone = lambda page, path, name: _on_phone(browser, live_server, contexts, page, path, name)  # noqa: E731

    # 1. The Riverton investigator opens the case with three potential victims.
    pd = go(users["investigator"], "/cases/new/")
    pd.get_by_label("Title").fill("Greenhouse workers, Mill Road")
    pd.get_by_label("What happened").select_option("victim_ready")
    pd.get_by_label("Where the crime took place").select_option("riverton")
    pd.get_by_label("Someone is in imminent danger").select_option("false")
    pd.get_by_label("Type of trafficking").select_option("labor")
    pd.get_by_label("Number of potential victims").fill("3")
    people = [
        ("V-1", "24", "female", "Spanish"),
        ("V-2", "31", "male", "Tagalog"),
        ("V-3", "17", "female", "Spanish"),
    ]
    for index, (pseudonym, age, gender, language) in enumerate(people):
        if index:
            pd.get_by_role("button", name="Add another potential victim").click()
            pd.wait_for_load_state()
        row = pd.get_by_role("group", name=f"Potential victim {index + 1}")
        row.locator(f'[name="victims-{index}-pseudonym"]').fill(pseudonym)
        row.locator(f'[name="victims-{index}-age"]').fill(age)
        row.locator(f'[name="victims-{index}-gender"]').select_option(gender)
        row.locator(f'[name="victims-{index}-citizenship"]').select_option("foreign_national")
        row.locator(f'[name="victims-{index}-language"]').fill(language)
        row.locator(f'[name="victims-{index}-interpreter_needed"]').select_option("True")
    screenshot(pd, "travels-01-intake")
    assert_accessible(pd)
    pd.get_by_role("button", name="Open the case and make the plan").click()
    pd.wait_for_load_state()
    case_url = pd.url
    case_id = int(case_url.rstrip("/").rsplit("/", 1)[1])
    text = _main(pd)
    screenshot(pd, "travels-02-plan")
    # a plan for each victim, and the case's own questions once
    for pseudonym in ("V-1", "V-2", "V-3"):
        assert f"For {pseudonym}" in text
    assert "For the whole case" in text
    # every actionable answer became a task with an owner
    for title in (
        "Call Homeland Security Investigations, Riverton about the case",
        "Call U.S. Department of Labor, Office of Inspector General, Riverton about the case",
        "Refer V-1 to Case management, labor trafficking focus, 18+",
        "Refer V-2 to Case management, labor trafficking focus, 18+",
        "Refer V-3 to Forensic interview, minors 0-17",
        "Refer V-3 to T/U visa and Continued Presence help",
        "Arrange where V-1 stays: Emergency shelter, adult women 18+",
        "Arrange where V-2 stays: Transitional housing, adult men 18+",
        "Arrange where V-3 stays: Emergency shelter, minors 12-17",
        "Child protection takes the report on V-3, a minor, and joins the case",
        "HHS is notified about V-3, a foreign-national minor",
    ):
        assert title in text, title
    assert "no agency yet" not in text
    assert "Child protection must be told (mandatory reporting)" in text
    # one interpreter request for each language the victims need
    support = pd.get_by_role("region", name="Placement, interpreters, relief, safety").inner_text()
    assert support.count("Interpreter:") == 2
    assert "Spanish" in support and "Tagalog" in support
    # the Continued Presence task is HSI's and of the 8 U.S.C. 1367 class: not for this user
    _no_relief_trace(text, "the local investigator's case page")
    # answers name organizations and services, never their slugs
    assert "Agency: Homeland Security Investigations, Riverton" in text
    assert "Service: Riverside emergency youth shelter" in text
    assert "Relief: Continued Presence · By: the federal case agent" in text
    assert "paid by the investigating agency" in support
    assert_accessible(pd)
    phone(pd, case_url, "travels-02-plan-phone")

    # ... and sends New Dawn the referral of V-1 (the provider the plan names for her).
    pd.get_by_role("link", name="Send a referral").click()
    pd.get_by_label("Potential victim").select_option(label="V-1")
    pd.get_by_label("Refer to").select_option("new-dawn")
    # The services are listed by name under their organization.
    pd.get_by_label("Service (optional)").select_option(label="Labor trafficking case management")
    pd.get_by_label("Message (no identifying details)").fill(
        "Adult woman from the greenhouse; needs a Spanish interpreter."
    )
    screenshot(pd, "travels-03-referral-form")
    pd.get_by_role("button", name="Save").click()
    pd.wait_for_load_state()
    assert "Referral sent" in _main(pd)

    # 2. New Dawn's advocate finds the case in her list and accepts the referral.
    advocate = go(users["advocate"])
    number = pd.locator("h1").inner_text().split(":")[0].removeprefix("Case ").strip()
    assert number in _main(advocate)
    advocate.get_by_role("link", name=number).click()
    screenshot(advocate, "travels-04-referral-received")
    advocate.get_by_role("button", name="Accept referral").click()
    advocate.wait_for_load_state()
    assert "Referral accepted" in _main(advocate)
    screenshot(advocate, "travels-05-referral-accepted")

    # 3. HSI (authorized for immigration records) requests Continued Presence for V-1.
    hsi = go(users["hsi"], case_url)
    hsi.get_by_role("link", name="Immigration relief").click()
    hsi.get_by_label("Victim").select_option(label="V-1")
    hsi.get_by_label("Kind").select_option(label="Continued Presence request")
    hsi.get_by_label("Notes").fill(CANARIES[0])
    screenshot(hsi, "travels-06-continued-presence-form")
    assert_accessible(hsi)
    hsi.get_by_role("button", name="Save").click()
    hsi.wait_for_load_state()
    support = hsi.get_by_role("region", name="Placement, interpreters, relief, safety").inner_text()
    assert "Continued Presence request for V-1: Requested" in support, support
    screenshot(hsi, "travels-07-continued-presence-requested")

    # 4. The investigator moves the case to prosecution, to the office the protocol proposes.
    pd.goto(case_url)
    pd.get_by_role("link", name="Move to prosecution").click()
    office = "U.S. Attorney's Office, District of Example"
    assert f"The protocol proposes {office}" in _main(pd)
    screenshot(pd, "travels-08-move-to-prosecution")
    assert_accessible(pd)
    pd.get_by_role("button", name="Move to prosecution").click()
    pd.wait_for_load_state()
    assert "The case moved to prosecution" in _main(pd)

    # The office's prosecutor sees the case in her list and reviews charging by category.
    usao = go(users["prosecutor"])
    assert number in _main(usao)
    screenshot(usao, "travels-09-prosecutor-cases")
    usao.get_by_role("link", name=number).click()
    usao.get_by_role("link", name="Charging decision").click()
    charge = {"victim": "V-3", "category": "Prostitution", "decision": "Charged"}
    usao.get_by_label("Victim").select_option(label=charge["victim"])
    usao.get_by_label("Arrested").check()
    usao.get_by_label("Charged", exact=True).check()
    usao.get_by_label("What the charge is").select_option(label=charge["category"])
    usao.get_by_label("Decision").select_option(label=charge["decision"])
    usao.get_by_role("button", name="Save").click()
    usao.wait_for_load_state()
    assert "Safe Harbor: a minor (17) is never charged" in _main(usao)  # refused, by its field
    screenshot(usao, "travels-10-charging-refused")
    usao.get_by_label("Victim").select_option(label="V-2")
    usao.get_by_label("What the charge is").select_option(label="Other offense")
    usao.get_by_label("Charge as written (optional, for the record)").fill("Trespass, greenhouse")
    usao.get_by_label("Decision").select_option(label="Dismissal sought")
    usao.get_by_label("Identified after charges").check()
    usao.get_by_role("button", name="Save").click()
    usao.wait_for_load_state()
    assert "Record a charging decision: saved." in _main(usao)
    screenshot(usao, "travels-11-charging-recorded")
    charging = usao.get_by_role("region", name="Placement, interpreters, relief, safety")
    assert "Charging (V-2): Dismissal sought — Other offense" in charging.inner_text()
    assert "remedies: motion to dismiss, vacatur or expungement" in charging.inner_text()

    # A coordinator (re-authenticating) authorizes her for immigration records and designates
    # her the office's certifying official.
    coordinator = go(users["coordinator"], "/cases/immigration-access/")
    reauthenticate(coordinator, users["coordinator"])
    assert "Immigration records access" in coordinator.title()
    coordinator.get_by_role("button", name="Authorize Avery Cole").click()
    coordinator.wait_for_load_state()
    assert "Avery Cole may now see immigration-relief records." in _main(coordinator)
    coordinator.get_by_role("button", name="Designate Avery Cole").click()
    coordinator.wait_for_load_state()
    assert f"Avery Cole is now a certifying official of {office}." in _main(coordinator)
    screenshot(coordinator, "travels-12-certifying-official-designated")
    assert_accessible(coordinator)

    # She prepares the U certification for V-1 and signs it.
    usao.goto(case_url)
    usao.get_by_role("link", name="Immigration relief").click()
    usao.get_by_label("Victim").select_option(label="V-1")
    usao.get_by_label("Kind").select_option(label="U visa certification (I-918 Supplement B)")
    usao.get_by_label("Notes").fill(CANARIES[2])
    usao.get_by_role("button", name="Save").click()
    usao.wait_for_load_state()
    u_row = "U visa certification (I-918 Supplement B) for V-1"
    assert "Draft" in usao.get_by_role("listitem").filter(has_text=u_row).inner_text()

    # Her colleague, authorized but not designated, is not offered the signature: the page
    # says who signs, and a hand-made "Signed" is refused with the same sentence.
    who_signs = (
        "Only the designated certifying official of a certifying agency (law enforcement, "
        "prosecution, child protection) working the case may sign a U visa certification"
    )
    colleague = go(users["colleague"], case_url)
    draft = colleague.get_by_role("listitem").filter(has_text=u_row)
    assert who_signs in draft.inner_text()
    assert "Signed" not in draft.get_by_label("Status").inner_text()
    screenshot(colleague, "travels-13-u-certification-not-designated")
    draft.get_by_label("Status").evaluate(
        "s => s.add(new Option('Signed', 'signed', true, true))"
    )  # what a hand-made request would send
    draft.get_by_role("button", name="Update").click()
    colleague.wait_for_load_state()
    assert who_signs in _main(colleague)
    screenshot(colleague, "travels-14-u-signature-refused")
    colleague.goto(case_url)
    assert "Draft" in colleague.get_by_role("listitem").filter(has_text=u_row).inner_text()

    # The designated official signs it.
    usao.goto(case_url)
    relief = usao.get_by_role("listitem").filter(has_text=u_row)
    assert who_signs not in relief.inner_text()
    relief.get_by_label("Status").select_option(label="Signed")
    relief.get_by_role("button", name="Update").click()
    usao.wait_for_load_state()
    signed = usao.get_by_role("listitem").filter(has_text=u_row).inner_text()
    assert "Signed, signed by Avery Cole" in signed, signed
    screenshot(usao, "travels-15-u-certification-signed")
    assert u_row in phone(usao, case_url, "travels-15-case-prosecutor-phone")

    # An authorized Riverton investigator prepares and signs the T declaration for V-2.
    t_signer = go(users["t_signer"], case_url)
    t_signer.get_by_role("link", name="Immigration relief").click()
    t_signer.get_by_label("Victim").select_option(label="V-2")
    t_signer.get_by_label("Kind").select_option(label="T visa declaration (I-914 Supplement B)")
    t_signer.get_by_label("Notes").fill(CANARIES[1])
    t_signer.get_by_role("button", name="Save").click()
    t_signer.wait_for_load_state()
    t_row = "T visa declaration (I-914 Supplement B) for V-2"
    declaration = t_signer.get_by_role("listitem").filter(has_text=t_row)
    declaration.get_by_label("Status").select_option(label="Signed")
    declaration.get_by_role("button", name="Update").click()
    t_signer.wait_for_load_state()
    signed = t_signer.get_by_role("listitem").filter(has_text=t_row).inner_text()
    assert "Signed, signed by Riley Tran" in signed, signed
    screenshot(t_signer, "travels-16-t-declaration-signed")
    assert_accessible(t_signer)

    # 5. Every role's journey ends somewhere: its case list shows the case, its boards the work.
    cps = go(users["cps"])
    legal = go(users["legal"])
    boards = {
        "investigator": (pd, ["Arrange where V-1 stays", "Refer V-3 to Forensic interview"]),
        "hsi": (
            hsi,
            [
                "HHS is notified about V-3, a foreign-national minor",
                "The federal partner requests Continued Presence for V-2",
                "The federal partner requests Continued Presence for V-3",
            ],
        ),
        "prosecutor": (
            usao,
            [
                "The prosecuting office reviews the charges against the traffickers",
                "The prosecutor's victim-witness coordinator contacts the victim",
                "Move to dismiss the charges against V-2",
            ],
        ),
        "advocate": (
            advocate,
            ["The provider's advocate contacts the victim (V-1)", "Make a safety plan with V-1"],
        ),
        "cps": (cps, ["Child protection takes the report on V-3, a minor, and joins the case"]),
        "legal": (legal, ["Pursue vacatur or expungement of V-2's record with legal services"]),
    }
    for role, (page, titles) in boards.items():
        page.goto("/cases/")
        assert number in _main(page), f"{role}: the case is not in the case list"
        page.goto("/cases/tasks/mine/")
        mine = _main(page)
        page.goto("/cases/tasks/agency/")
        agency = _main(page)
        for title in titles:
            assert title in mine and title in agency, f"{role}: {title!r} is not on the boards"
        screenshot(page, f"travels-17-board-{role}")
        assert_accessible(page)
        on_phone = phone(page, "/cases/tasks/agency/", f"travels-17-board-{role}-phone")
        assert titles[0] in on_phone
    # Her request for V-1 did V-1's Continued Presence task, and only hers.
    hsi.goto("/cases/tasks/agency/")
    done = hsi.get_by_role("table").nth(2).inner_text()
    assert "The federal partner requests Continued Presence for V-1" in done
    assert "for V-2" not in done and "for V-3" not in done
    # The authorized federal agent does see the relief records (the checks below are not empty).
    hsi.goto(case_url)
    assert "Continued Presence request for V-1: Requested" in _main(hsi)

    # Users without the immigration-records authorization find no trace of the relief records:
    # not on the case page, the timeline, the API, their notifications or their e-mail.
    unauthorized = {
        "investigator": pd,
        "advocate": advocate,
        "cps": cps,
        "legal": legal,
    }
    for role, page in unauthorized.items():
        page.goto(case_url)
        _no_relief_trace(_main(page), f"the {role}'s case page")
        assert page.get_by_role("link", name="Immigration relief").count() == 0
        page.goto(f"/cases/{case_id}/timeline/")
        _no_relief_trace(_main(page), f"the {role}'s timeline")
        api = page.request.get(f"{live_server.url}/api/v1/cases/{case_id}")
        assert api.status == 200, (role, api.status)
        body = api.json()
        assert body["sections"]["immigration"] == []
        assert "immigration" not in body["withheld_sections"]
        _no_relief_trace(json.dumps(body), f"the {role}'s API answer")
        for board in ("/cases/tasks/mine/", "/cases/tasks/agency/"):
            page.goto(board)
            _no_relief_trace(_main(page), f"the {role}'s board")
        page.goto("/cases/notifications/")
        _no_relief_trace(_main(page), f"the {role}'s notifications")
        address = users[role].email
        letters = [m for m in mail.outbox if address in m.to]
        _no_relief_trace(
            "\n".join(f"{m.subject}\n{m.body}" for m in letters), f"the {role}'s e-mail"
        )
    screenshot(pd, "travels-18-notifications-unauthorized")
    # ... while the federal agent's e-mail names her Continued Presence tasks (so the checks
    # above look where the traces would be).
    hsi_mail = [m.body for m in mail.outbox if users["hsi"].email in m.to]
    assert any("requests Continued Presence for V-2" in body for body in hsi_mail)
