"""Fixtures for protocol tests: the example protocol, a coordinator, signatories of a few agencies."""

from __future__ import annotations

import pathlib

import pytest
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Role

REPO = pathlib.Path(__file__).resolve().parents[3]
EXAMPLE = REPO / "examples" / "protocols" / "example-county.yaml"
SCENARIOS = REPO / "examples" / "scenarios" / "example-county.yaml"

#: A small task force: three member agencies, each with its signatory.
AGENCIES = (
    ("riverton-pd", "law_enforcement_local"),
    ("harbor-light", "victim_services"),
    ("usao-example", "prosecution"),
)


@pytest.fixture
def example_text() -> str:
    return EXAMPLE.read_text(encoding="utf-8")


def changed_text(text: str) -> str:
    """A small realistic change: the State Police joins from 3 victims instead of 5."""
    changed = text.replace('victim_count: ">= 5"', 'victim_count: ">= 3"')
    assert changed != text, "the example protocol no longer has rule L8 as written"
    return changed


def with_gap(text: str) -> str:
    """Placement loses the 12-17 rule: minors of 12 to 17 get no placement (a gap)."""
    changed = text.replace('when: {victim_age: "[12..17]"}', 'when: {victim_age: "[12..15]"}')
    assert changed != text, "the example protocol no longer has rule P2 as written"
    return changed


@pytest.fixture
def coordinator(make_member, directory):
    """The coordinator of a task force whose directory holds the example organizations."""
    return make_member("coordinator", roles=[Role.COORDINATOR], agency_slug="riverton-pd")


@pytest.fixture
def signatories(make_member):
    return [
        make_member(f"signatory.{slug}", roles=[Role.SIGNATORY], agency_slug=slug, sector=sector)
        for slug, sector in AGENCIES
    ]


def reauthenticated(client: Client) -> Client:
    """Mark the session as recently re-authenticated (S7), as the re-auth page does."""
    session = client.session
    session["accord_reauth_at"] = timezone.now().timestamp()
    session.save()
    return client


@pytest.fixture
def version_in_force(task_force, coordinator, signatories, example_text):
    from accord.protocols import services

    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=example_text
    )
    services.protocol_version_circulate(actor=coordinator, version=version)
    for signatory in signatories:
        services.sign_off_record(actor=signatory, version=version, approve=True, comment="")
    return services.protocol_version_bring_into_force(actor=coordinator, version=version)


DIRECTORY = REPO / "examples" / "directory" / "example-county.json"


@pytest.fixture
def directory(task_force):
    """The example directory imported into the test task force."""
    from accord.directory.selectors import Operator
    from accord.directory.services import ImportSource, directory_import

    directory_import(actor=Operator(), task_force=task_force, source=ImportSource(path=DIRECTORY))
    return task_force


def sign_in_client(user) -> Client:
    """A fully signed-in client for an existing user (password + second factor)."""
    from conftest import sign_in

    return sign_in(Client(), user)
