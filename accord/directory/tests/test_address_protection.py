"""Shelter addresses at rest and in use: encrypted (S19), each disclosure audited (S15), and no
address sent when the audit cannot be written (S17).

The demo directory's safe house (Harbor Light, run by the ``harbor-light`` agency) is the
confidential location; ``new-dawn`` is an agency it never named.
"""

from __future__ import annotations

import base64
import logging
import os
import shutil
import subprocess
import time
from unittest import mock

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse

from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.directory.models import Address, Location, Service
from accord.directory.selectors import Operator, location_views
from accord.directory.services import directory_export
from accord.encryption.cipher import key_id_of
from accord.encryption.fields import encrypted_fields
from accord.encryption.rotation import keys_rotate
from accord.errors import AuditUnavailable

from .conftest import verified_client

ADDRESS = "417 Wren Hollow Road"
SECRETS = ("417 Wren Hollow Road", "Wren Hollow", "Cedar Hollow", "99987")
#: Invented canary values written by the at-rest test.
CANARIES = (
    "Canary Shelter Lane 7",
    "Apt Canary-B",
    "Canaryville",
    "CANARY-75319",
    "Canary County",
    "Attn Canary Desk",
    "canary-bus-line-42",
    "41.9876543",
    "-87.6543219",
)
API_SEARCH = "/api/v1/directory/search"


def _raw_database_bytes(tmp_path) -> bytes:
    """The database as it lies on disk: a byte copy of SQLite, or a pg_dump of PostgreSQL."""
    if connection.vendor == "sqlite":
        target = tmp_path / "copy.sqlite3"
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(target)])
        return target.read_bytes()
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump not installed")
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    command = [
        pg_dump,
        "-h",
        settings_dict.get("HOST") or "127.0.0.1",
        "-p",
        str(settings_dict.get("PORT") or 5432),
        "-U",
        settings_dict.get("USER") or "postgres",
        settings_dict["NAME"],
    ]
    return subprocess.run(command, check=True, capture_output=True, env=env).stdout


def _raw_column(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return str(cursor.fetchone()[0])


# --- S19: encrypted at rest ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_canary_addresses_are_not_in_the_database_file_or_the_logs(demo, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    location = Location.objects.get(is_confidential=True)
    location.transportation = "canary-bus-line-42"
    location.latitude, location.longitude = 41.9876543, -87.6543219
    location.save()
    Address.objects.create(
        location=location,
        hsds_id="canary-address",
        attention="Attn Canary Desk",
        address_1="Canary Shelter Lane 7",
        address_2="Apt Canary-B",
        city="Canaryville",
        region="Canary County",
        state_province="EX",
        postal_code="CANARY-75319",
        country="US",
        address_type="physical",
    )
    stored = Address.objects.get(hsds_id="canary-address")
    assert (stored.address_1, stored.city) == ("Canary Shelter Lane 7", "Canaryville")
    assert Location.objects.get(pk=location.pk).latitude == 41.9876543
    raw = _raw_database_bytes(tmp_path)
    if connection.vendor == "sqlite":
        assert b"acc1:" in raw  # the address columns hold ciphertexts
    for secret in (*CANARIES, *SECRETS):
        assert secret.encode() not in raw, f"{secret!r} found at rest"
        assert secret not in caplog.text, f"{secret!r} found in the logs"


def test_every_address_part_that_says_where_is_an_encrypted_column(db):
    columns = {
        (model._meta.label_lower, field.name)
        for model, field in encrypted_fields()
        if model._meta.app_label == "directory"
    }
    assert columns == {
        ("directory.address", name)
        for name in (
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
        )
    } | {("directory.location", name) for name in ("transportation", "latitude", "longitude")}


def test_key_rotation_re_encrypts_addresses(demo, settings):
    """``accord keys rotate`` rewrites the address columns under the new key; they still read."""
    address = _safe_house_address()
    assert key_id_of(_raw_column("directory_address", "address_1", address.pk)) == "t1"
    new_key = "r2:" + base64.b64encode(b"r" * 32).decode()
    settings.ACCORD_ENCRYPTION_KEYS = f"{new_key},{settings.ACCORD_ENCRYPTION_KEYS}"
    result = keys_rotate()
    assert result.values_rewritten > 0
    for column in ("address_1", "city", "postal_code"):
        assert key_id_of(_raw_column("directory_address", column, address.pk)) == "r2"
    assert Address.objects.get(pk=address.pk).address_1 == ADDRESS


def _safe_house_address() -> Address:
    return Location.objects.get(is_confidential=True).addresses.get()


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_addresses_and_can_go_back(task_force):
    """Rows written in plain text before 0002 are ciphertexts after 0003, and plain again before."""
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("directory", "0001_initial")],
        [("directory", "0003_encrypt_existing_addresses")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(before).apps
    org = old_apps.get_model("directory", "Organization").objects.create(
        task_force_id=task_force.pk, hsds_id="o1", slug="o1", name="Old Shelter"
    )
    location = old_apps.get_model("directory", "Location").objects.create(
        organization_id=org.pk, hsds_id="l1", transportation="Bus 9", latitude=40.5
    )
    old_apps.get_model("directory", "Address").objects.create(
        location_id=location.pk,
        hsds_id="a1",
        address_1="12 Plain Street",
        city="Oldtown",
        state_province="EX",
        postal_code="99911",
        country="US",
        address_type="physical",
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        address = Address.objects.get(hsds_id="a1")
        assert key_id_of(_raw_column("directory_address", "address_1", address.pk)) == "t1"
        assert key_id_of(_raw_column("directory_address", "address_2", address.pk)) == "t1"
        assert key_id_of(_raw_column("directory_location", "latitude", location.pk)) == "t1"
        assert (address.address_1, address.city, address.address_2) == (
            "12 Plain Street",
            "Oldtown",
            "",
        )
        stored = Location.objects.get(pk=location.pk)
        assert (stored.transportation, stored.latitude) == ("Bus 9", 40.5)

        executor = MigrationExecutor(connection)
        executor.migrate(before)
        assert _raw_column("directory_address", "address_1", address.pk) == "12 Plain Street"
        assert float(_raw_column("directory_location", "latitude", location.pk)) == 40.5
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# --- S15: every disclosure audited, field names only ---------------------------------------


def _provider(demo, make_user, roles=("advocate", "coordinator")):
    return make_user("harbor.advocate", agency=demo["harbor-light"], roles=roles)


def _outsider(demo, make_user, roles=("coordinator",)):
    return make_user("new.dawn", agency=demo["new-dawn"], roles=roles)


def _recently_reauthenticated(client):
    session = client.session
    session["accord_reauth_at"] = time.time()
    session.save()
    return client


def _channels() -> dict[str, str]:
    """Each page or endpoint that would carry the safe house's address to an allowed viewer."""
    location = Location.objects.get(is_confidential=True)
    safe_house = Service.objects.get(slug="harbor-light-safe-house")
    return {
        "organization page": reverse("directory:organization", args=[location.organization_id]),
        "service page": reverse("directory:service", args=[safe_house.pk]),
        "directory search API": API_SEARCH + "?q=safe+house",
        "directory export": reverse("directory:export"),
    }


def _disclosures():
    return AuditEvent.objects.filter(event=AuditEventType.DIRECTORY_ADDRESS_DISCLOSED)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "purpose", ["organization page", "service page", "directory search API", "directory export"]
)
def test_a_disclosure_to_the_provider_is_audited_with_field_names_never_values(
    demo, make_user, purpose
):
    user = _provider(demo, make_user)
    client = _recently_reauthenticated(verified_client(user))
    response = client.get(_channels()[purpose])
    assert response.status_code == 200 and ADDRESS in response.content.decode()
    location = Location.objects.get(is_confidential=True)
    event = _disclosures().get()
    assert (event.actor_id, event.purpose) == (user.pk, purpose)
    assert (event.object_type, event.object_id) == ("directory_location", str(location.pk))
    assert {"address.address_1", "address.city", "address.postal_code"} <= set(event.fields)
    assert event.subject_agency_id == demo["harbor-light"].pk
    recorded = str(event.fields) + str(event.detail) + event.purpose
    assert not [secret for secret in SECRETS if secret in recorded]


@pytest.mark.django_db
def test_a_named_agency_reading_the_address_is_audited_with_its_reason(demo, make_user):
    from accord.directory.services import location_disclose

    location = Location.objects.get(is_confidential=True)
    location_disclose(actor=_provider(demo, make_user), location=location, agency=demo["new-dawn"])
    outsider = _outsider(demo, make_user)
    page = verified_client(outsider).get(_channels()["organization page"])
    assert ADDRESS in page.content.decode()
    event = _disclosures().get()
    assert event.actor_id == outsider.pk and "disclosed" in event.detail["reason"]


@pytest.mark.django_db
def test_viewers_who_may_not_see_it_and_public_locations_write_no_disclosure(demo, make_user):
    client = _recently_reauthenticated(verified_client(_outsider(demo, make_user)))
    for url in _channels().values():
        assert client.get(url).status_code == 200, url
    public = Location.objects.filter(is_confidential=False, addresses__isnull=False).first()
    assert public is not None
    views = location_views(
        viewer=_provider(demo, make_user), locations=[public], purpose="organization page"
    )
    assert views[0].addresses
    assert not _disclosures().exists()


@pytest.mark.django_db
def test_an_operator_export_with_confidential_addresses_is_audited(demo, task_force):
    records, _summary = directory_export(
        actor=Operator(include_confidential=True), task_force=task_force
    )
    assert ADDRESS in str(records)
    event = _disclosures().get()
    assert event.actor_username == "operator" and event.purpose == "directory export"
    directory_export(actor=Operator(), task_force=task_force)
    assert _disclosures().count() == 1  # the default export withholds it: nothing disclosed


# --- S17: no audit, no address -------------------------------------------------------------


def _audit_write_fails():
    return mock.patch(
        "accord.audit.models.AuditEvent.objects.create", side_effect=DatabaseError("disk full")
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "purpose", ["organization page", "service page", "directory search API", "directory export"]
)
def test_when_the_audit_cannot_be_written_the_address_is_not_sent(demo, make_user, purpose):
    client = _recently_reauthenticated(verified_client(_provider(demo, make_user)))
    url = _channels()[purpose]
    with _audit_write_fails():
        response = client.get(url)
    assert response.status_code == 503
    body = response.content.decode()
    assert not [secret for secret in SECRETS if secret in body]
    assert client.get(url).status_code == 200  # the audit trail is back: so is the page


@pytest.mark.django_db
@pytest.mark.parametrize("purpose", ["organization page", "service page", "directory search API"])
def test_a_viewer_who_may_not_see_the_address_is_unaffected(demo, make_user, purpose):
    client = verified_client(_outsider(demo, make_user, roles=()))
    with _audit_write_fails():
        response = client.get(_channels()[purpose])
    assert response.status_code == 200
    assert not [secret for secret in SECRETS if secret in response.content.decode()]


@pytest.mark.django_db
def test_the_export_writes_no_address_when_its_audit_fails(demo, task_force):
    """An export is always audited (S15), so it fails whole; nothing partial is returned."""
    with _audit_write_fails(), pytest.raises(AuditUnavailable):
        directory_export(actor=Operator(include_confidential=True), task_force=task_force)
    assert not AuditEvent.objects.filter(event=AuditEventType.EXPORTED).exists()
