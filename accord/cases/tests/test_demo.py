"""The demo cases load through the services on the demo protocol and directory."""

from __future__ import annotations

from accord.accounts.models import RoleGrant, User


def test_demo_loads_every_case(people, task_force):
    from accord.accounts.models import Agency
    from accord.cases.demo import load
    from accord.cases.models import Case

    for slug, sector, username in (
        ("fbi-riverton", "law_enforcement_federal", "investigator.fbi"),
        ("dol-oig", "law_enforcement_federal", "investigator.dol"),
    ):
        agency, _ = Agency.objects.get_or_create(
            task_force=task_force, slug=slug, defaults={"name": slug, "sector": sector}
        )
        user = User.objects.create_user(username=username, password="x" * 12, agency=agency)
        RoleGrant.objects.create(user=user, role="investigator")
    from accord.cases.demo import CASES

    load(task_force=task_force)
    assert Case.objects.count() == len(CASES) == 13
    greenhouse = Case.objects.get(title__startswith="Greenhouse workers")
    ages = list(greenhouse.potentialvictims.order_by("age").values_list("age", flat=True))
    assert ages == [17, 29, 34]  # each victim her own facts, one a minor
    assert greenhouse.tasks.filter(deadline_id="child-protection-report").count() == 1
    prosecuted = Case.objects.filter(stage="prosecution")
    assert prosecuted.count() >= 3
    for case in prosecuted:  # each with the prosecuting office the protocol proposed
        assert case.participants.filter(part="prosecuting").exists(), case.title
    assert set(Case.objects.values_list("stage", flat=True)) == {
        "referral",
        "investigation",
        "prosecution",
        "closed",
    }
