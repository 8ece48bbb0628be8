"""Fixtures for accounts tests: two task forces, users with roles, signed-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from accord.accounts.models import Agency, Role, TaskForce, User
from accord.core.model import Sector

from .factories import login_fully, make_agency, make_task_force, make_user


@pytest.fixture
def task_force(db) -> TaskForce:
    return make_task_force("north-bay")


@pytest.fixture
def agency(task_force: TaskForce) -> Agency:
    return make_agency(task_force, "bay-police", sector=Sector.LAW_ENFORCEMENT_LOCAL)


@pytest.fixture
def shelter(task_force: TaskForce) -> Agency:
    return make_agency(task_force, "harbor-shelter", sector=Sector.VICTIM_SERVICES)


@pytest.fixture
def user(agency: Agency) -> User:
    return make_user(agency, "alex.rivera", roles=(Role.INVESTIGATOR,))


@pytest.fixture
def coordinator(agency: Agency) -> User:
    return make_user(agency, "casey.moreno", roles=(Role.COORDINATOR,))


@pytest.fixture
def other_task_force_user(db) -> User:
    elsewhere = make_task_force("south-ridge")
    return make_user(make_agency(elsewhere, "ridge-sheriff"), "jordan.pike")


@pytest.fixture
def signed_in(client: Client, user: User) -> Client:
    login_fully(client, user)
    return client


@pytest.fixture
def coordinator_client(client: Client, coordinator: User) -> Client:
    login_fully(client, coordinator)
    return client
