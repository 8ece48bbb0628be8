"""Hostile HSDS imports: over-deep and oversized files are refused with a clear message,
never a 500, and nothing stored changes (S24); large files run in the worker with a
status page the coordinator can follow."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from accord.directory.hsds import DirectoryImportError
from accord.directory.imports import directory_import_request, directory_import_run
from accord.directory.models import DirectoryImport, ImportStatus, Organization
from accord.directory.selectors import Operator
from accord.directory.services import ImportSource, directory_import
from accord.errors import ValidationError

from .conftest import DEMO_FILE, verified_client
from .test_hsds import snapshot

pytestmark = pytest.mark.django_db

DEEP = b'{"id": "x",\n "name": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"


@pytest.fixture
def coordinator(demo, make_user):
    return make_user("coord", agency=demo["ecso"], roles=("coordinator",))


def refused(task_force, content: bytes) -> list[str]:
    with pytest.raises(DirectoryImportError) as caught:
        directory_import(
            actor=Operator(),
            task_force=task_force,
            source=ImportSource(content=content, name="upload.json"),
        )
    return [str(problem) for problem in caught.value.problems]


# -- the importer -------------------------------------------------------------------------


def test_json_nested_50000_deep_is_refused_naming_line_and_limit(demo, task_force):
    before = snapshot()
    assert refused(task_force, DEEP) == [
        "upload.json: line 2: nested more than 64 levels deep (the limit is 64)"
    ]
    assert snapshot() == before


def test_depth_limit_is_a_setting_and_its_boundary_holds(task_force, settings):
    settings.ACCORD_INPUT_MAX_DEPTH = 3
    four = json.dumps([{"a": [[1]]}]).encode()  # four levels, and no HSDS record
    assert "nested more than 3 levels deep" in refused(task_force, four)[0]
    settings.ACCORD_INPUT_MAX_DEPTH = 4
    assert refused(task_force, four) == [
        "upload.json[0]: not an HSDS organization or service record"
    ]


def test_oversized_document_is_refused_naming_the_limit(demo, task_force, settings, tmp_path):
    settings.ACCORD_HSDS_MAX_BYTES = 1024
    before = snapshot()
    big = json.dumps([{"id": "x", "name": "N", "description": "y" * 2000}]).encode()
    assert refused(task_force, big) == [
        "upload.json: the file is 2 KB, larger than the limit of 1 KB"
    ]
    path = tmp_path / "big.json"
    path.write_bytes(big)
    with pytest.raises(DirectoryImportError, match="larger than the limit of 1 KB"):
        directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=path))
    assert snapshot() == before


def test_an_oversized_file_on_disk_is_never_read(task_force, settings, tmp_path, monkeypatch):
    """The size is checked on the file before its bytes are loaded into memory."""
    settings.ACCORD_HSDS_MAX_BYTES = 1024
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 4096)

    def refuse_to_read(self):
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(type(path), "read_bytes", refuse_to_read)
    with pytest.raises(DirectoryImportError, match="larger than the limit of 1 KB"):
        directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=path))


def test_the_command_refuses_a_deep_file_with_a_message(demo, tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(DEEP)
    with pytest.raises(CommandError, match=r"deep\.json: line 2: nested more than 64 levels deep"):
        call_command("directory_import", str(path), stdout=StringIO(), stderr=StringIO())


# -- the web form ---------------------------------------------------------------------------


def test_web_import_of_a_deep_file_is_a_400_naming_the_problem(coordinator):
    before = snapshot()
    response = verified_client(coordinator).post(
        reverse("directory:import"), {"file": SimpleUploadedFile("deep.json", DEEP)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "nothing was changed" in text
    assert "deep.json: line 2: nested more than 64 levels deep (the limit is 64)" in text
    assert snapshot() == before


def test_web_import_of_an_oversized_file_is_a_400_naming_the_limit(coordinator, settings):
    settings.ACCORD_HSDS_MAX_BYTES = 1024
    response = verified_client(coordinator).post(
        reverse("directory:import"), {"file": SimpleUploadedFile("big.json", b" " * 4096)}
    )
    assert response.status_code == 400
    assert "The file is 4 KB, larger than the limit of 1 KB." in response.content.decode()
    assert not DirectoryImport.objects.exists()


def test_web_multipart_without_boundary_is_a_400(coordinator):
    response = verified_client(coordinator).post(
        reverse("directory:import"), data=b"--x\r\n\r\n", content_type="multipart/form-data"
    )
    assert response.status_code == 400


# -- large files run in the worker ------------------------------------------------------------


def test_a_large_file_is_imported_in_the_background_with_a_status_page(
    task_force, make_agency, make_user, settings, django_capture_on_commit_callbacks
):
    settings.ACCORD_HSDS_BACKGROUND_ABOVE_BYTES = 1024
    user = make_user(
        "coord", agency=make_agency("ecso", sector="law_enforcement_local"), roles=("coordinator",)
    )
    client = verified_client(user)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("directory:import"),
            {"file": SimpleUploadedFile("county.json", DEMO_FILE.read_bytes())},
        )
    run = DirectoryImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("directory:import_status", args=[run.pk])
    assert Organization.objects.count() == 0  # nothing written by the web request

    waiting = client.get(response["Location"]).content.decode()
    assert "Waiting for the worker" in waiting
    assert 'hx-trigger="every 3s"' in waiting  # the page follows the run

    for callback in queued:  # the worker picks the job up (immediate backend in tests)
        callback()
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.records and run.records >= 27
    assert bytes(run.content) == b""  # the upload is not kept once read
    assert Organization.objects.count() >= 25
    done = client.get(response["Location"]).content.decode()
    assert "Finished" in done and "organization(s) created" in done
    assert "hx-trigger" not in done
    assert "county.json" in client.get(reverse("directory:import")).content.decode()


def test_a_refused_background_import_lists_problems_and_changes_nothing(coordinator, task_force):
    before = snapshot()
    run = directory_import_request(
        actor=coordinator, task_force=task_force, name="deep.json", content=DEEP
    )
    finished = directory_import_run(import_id=run.pk)
    assert finished is not None and finished.status == ImportStatus.REFUSED
    assert finished.problems == [
        "deep.json: line 2: nested more than 64 levels deep (the limit is 64)"
    ]
    assert bytes(finished.content) == b""
    assert snapshot() == before
    assert directory_import_run(import_id=run.pk) is None  # a finished run is not run twice


def test_an_import_whose_requester_is_gone_is_refused(coordinator, task_force):
    run = directory_import_request(
        actor=coordinator, task_force=task_force, name="county.json", content=DEMO_FILE.read_bytes()
    )
    DirectoryImport.objects.filter(pk=run.pk).update(requested_by=None)
    before = snapshot()
    finished = directory_import_run(import_id=run.pk)
    assert finished is not None and finished.status == ImportStatus.REFUSED
    assert finished.problems == ["The person who asked for this import is no longer a user."]
    assert snapshot() == before


def test_the_background_path_keeps_the_size_limit(coordinator, task_force, settings):
    settings.ACCORD_HSDS_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="larger than the limit of 1 KB"):
        directory_import_request(
            actor=coordinator, task_force=task_force, name="big.json", content=b" " * 2048
        )
    assert not DirectoryImport.objects.exists()


def test_another_task_force_cannot_see_an_import(
    coordinator, task_force, other_task_force, make_agency, make_user
):
    run = directory_import_request(
        actor=coordinator, task_force=task_force, name="x.json", content=b"[]"
    )
    stranger = make_user(
        "other.coord",
        agency=make_agency("other-pd", sector="law_enforcement_local", tf=other_task_force),
        roles=("coordinator",),
    )
    url = reverse("directory:import_status", args=[run.pk])
    assert verified_client(stranger).get(url).status_code == 404
    assert verified_client(coordinator).get(url).status_code == 200
