"""HSDS 3.0 import and export: the official examples round-trip; bad files change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.directory.hsds import DirectoryImportError, schema_errors
from accord.directory.models import Address, Language, Location, Organization, Phone, Service
from accord.directory.selectors import Operator
from accord.directory.services import ImportSource, directory_export, directory_import

from .conftest import DEMO_FILE, HSDS_EXAMPLES

pytestmark = pytest.mark.django_db


def import_path(task_force, path: Path, **kwargs):
    return directory_import(
        actor=Operator(), task_force=task_force, source=ImportSource(path=path), **kwargs
    )


def import_json(task_force, document: object):
    return directory_import(
        actor=Operator(),
        task_force=task_force,
        source=ImportSource(content=json.dumps(document).encode(), name="bad.json"),
    )


def snapshot() -> tuple:
    return (
        list(Organization.objects.values_list("hsds_id", "name", "version").order_by("pk")),
        list(
            Service.objects.values_list("hsds_id", "name", "minimum_age", "version").order_by("pk")
        ),
        Phone.objects.count(),
        Language.objects.count(),
    )


def test_organization_full_example_imports_modelled_fields(task_force):
    report = import_path(task_force, HSDS_EXAMPLES / "organization_full.json")
    assert report.organizations_created == 1 and report.services_created == 1
    org = Organization.objects.get(hsds_id="d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610")
    assert (org.name, org.email, org.website) == (
        "Example Organization Inc.",
        "email@example.com",
        "http://example.com",
    )
    service = org.services.get()
    assert (service.minimum_age, service.maximum_age, service.status) == (12, 100, "active")
    assert service.languages.get().code == "ur"
    assert service.last_verified_at.date().isoformat() == "2005-01-01"
    address = Address.objects.get()
    assert (address.address_1, address.city, address.postal_code) == (
        "1-30 Main Street",
        "MyCity",
        "ABC 1234",
    )
    assert service.schedules.get().byday == "TH,FR"
    assert service.at_locations.get().location.hsds_id == "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
    # What Accord does not model is reported, not silently dropped.
    assert report.unmodelled["organization.tax_status"] == 1
    assert report.unmodelled["service.cost_options"] == 1
    assert "organization.tax_status: 1" in "\n".join(report.lines())


@pytest.mark.parametrize(
    "name",
    ["organization_full.json", "organization_list.json", "service_full.json", "service_list.json"],
)
def test_each_example_shape_imports_and_exports_valid(task_force, name):
    import_path(task_force, HSDS_EXAMPLES / name)
    records, _ = directory_export(actor=Operator(), task_force=task_force)
    assert records
    for record in records:
        assert schema_errors(record, kind="organization") == []


def test_export_round_trip_keeps_the_modelled_fields_of_the_example(task_force):
    import_path(task_force, HSDS_EXAMPLES / "organization_full.json")
    records, _ = directory_export(actor=Operator(), task_force=task_force)
    original = json.loads((HSDS_EXAMPLES / "organization_full.json").read_text())
    exported = records[0]
    for key in ("id", "name", "alternate_name", "description", "email", "website"):
        assert exported[key] == original[key]
    assert exported["phones"][0]["number"] == original["phones"][0]["number"]
    assert exported["phones"][0]["extension"] == 100
    assert exported["locations"][0]["addresses"][0] == original["locations"][0]["addresses"][0]
    service, original_service = exported["services"][0], original["services"][0]
    for key in (
        "id",
        "name",
        "minimum_age",
        "maximum_age",
        "eligibility_description",
        "application_process",
        "interpretation_services",
        "fees_description",
        "alert",
    ):
        assert service[key] == original_service[key]
    for key in ("byday", "opens_at", "closes_at", "freq", "interval", "timezone"):
        assert service["schedules"][0][key] == original_service["schedules"][0][key]
    assert service["languages"][0]["code"] == "ur"


def test_reimport_is_idempotent_with_stable_ids(task_force):
    import_path(task_force, DEMO_FILE)
    before = snapshot()
    report = import_path(task_force, DEMO_FILE)
    assert report.organizations_created == 0 and report.services_created == 0
    assert snapshot() == before  # same ids, same content, versions unchanged


def test_export_reimports_into_another_task_force_identically(task_force, other_task_force):
    import_path(task_force, DEMO_FILE)
    first, _ = directory_export(actor=Operator(include_confidential=True), task_force=task_force)
    directory_import(
        actor=Operator(),
        task_force=other_task_force,
        source=ImportSource(content=json.dumps(first).encode(), name="export.json"),
    )
    second, _ = directory_export(
        actor=Operator(include_confidential=True), task_force=other_task_force
    )
    strip = lambda records: json.loads(  # noqa: E731
        json.dumps(records).replace("last_verified_by", "")
    )
    assert strip(second) == strip(first)
    assert (
        Location.objects.filter(
            organization__task_force=other_task_force, is_confidential=True
        ).count()
        == 1
    )


def test_demo_directory_is_big_enough_and_valid(task_force):
    report = import_path(task_force, DEMO_FILE)
    assert report.organizations_created >= 25 and report.services_created >= 40
    records, _ = directory_export(actor=Operator(), task_force=task_force)
    for record in records:
        assert schema_errors(record, kind="organization") == []


def test_import_is_audited(task_force):
    import_path(task_force, DEMO_FILE)
    event = AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_IMPORTED).get()
    assert event.detail["organizations_created"] >= 25


def test_dry_run_changes_nothing(task_force):
    report = import_path(task_force, DEMO_FILE, dry_run=True)
    assert report.dry_run and report.organizations_created >= 25
    assert Organization.objects.count() == 0


def test_progress_is_reported_for_large_files(task_force):
    seen: list[int] = []
    import_path(task_force, DEMO_FILE, progress=seen.append)
    org = json.loads(DEMO_FILE.read_text())[0]
    many = [
        dict(
            org,
            id=f"00000000-0000-4000-8000-{i:012d}",
            attributes=[],
            services=[],
            locations=[],
            contacts=[],
            phones=[],
        )
        for i in range(1100)
    ]
    seen.clear()
    directory_import(
        actor=Operator(),
        task_force=task_force,
        progress=seen.append,
        source=ImportSource(content=json.dumps(many).encode(), name="many.json"),
    )
    assert seen == [500, 1000]


# --- bad input: a clear error naming record and field, nothing changed ------------------------


@pytest.fixture
def existing(task_force):
    import_path(task_force, DEMO_FILE)
    return snapshot()


def good_service() -> dict:
    return json.loads((HSDS_EXAMPLES / "service_full.json").read_text())


def refused(task_force, document) -> list[str]:
    with pytest.raises(DirectoryImportError) as caught:
        import_json(task_force, document)
    return [str(problem) for problem in caught.value.problems]


def test_malformed_json_names_line_and_column(task_force, existing):
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(
            actor=Operator(),
            task_force=task_force,
            source=ImportSource(content=b'[{"id": "x",\n  "name": }]', name="x.json"),
        )
    assert "x.json: line 2 column" in str(caught.value.problems[0])
    assert snapshot() == existing


def test_schema_violation_names_the_field(task_force, existing):
    service = good_service()
    del service["name"]
    service["status"] = "open"
    problems = refused(task_force, service)
    assert any("name: schema: required field missing" in p for p in problems)
    assert any(": status: schema:" in p for p in problems)
    assert snapshot() == existing


def test_unknown_language_is_refused(task_force, existing):
    service = good_service()
    service["languages"].append(
        {"id": "5b0c7a4e-0000-4000-8000-000000000001", "name": "Klingon", "code": "klingon"}
    )
    problems = refused(task_force, service)
    assert any("languages[1].code: unknown language code 'klingon'" in p for p in problems)
    assert snapshot() == existing


def test_inverted_age_range_is_refused(task_force, existing):
    service = good_service()
    service["minimum_age"], service["maximum_age"] = 18, 12
    problems = refused(task_force, service)
    assert any(
        "minimum_age: inverted age range: minimum 18 is above maximum 12" in p for p in problems
    )
    assert snapshot() == existing


def test_duplicate_ids_are_refused(task_force, existing):
    demo = json.loads(DEMO_FILE.read_text())
    clash = dict(demo[1], id=demo[0]["id"])
    problems = refused(task_force, [demo[0], clash, *demo[2:]])
    assert any(f"duplicate organization id {demo[0]['id']}" in p for p in problems)
    assert snapshot() == existing


def test_a_bad_record_late_in_the_file_changes_nothing_earlier(task_force, existing):
    demo = json.loads(DEMO_FILE.read_text())
    for organization in demo:
        organization["name"] += " (renamed)"
    demo[-1]["services"][0]["languages"][0]["code"] = "zz"
    problems = refused(task_force, demo)
    assert len(problems) == 1 and demo[-1]["name"] in problems[0]
    assert snapshot() == existing
    assert not Organization.objects.filter(name__endswith="(renamed)").exists()


def test_unknown_accord_vocabulary_is_refused(task_force):
    demo = json.loads(DEMO_FILE.read_text())
    service = demo[0]["services"][0]
    for attribute in service["attributes"]:
        if attribute["taxonomy_term"]["code"] == "slug":
            continue
        attribute["taxonomy_term"]["code"] = "eligible_gender"
        attribute["value"] = "boy"
        break
    problems = refused(task_force, demo)
    assert any("'boy' is not one of female, male, nonbinary" in p for p in problems)
