"""Coordinators manage the users of their own task force only (S7, S8)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accord.accounts.models import Role, User
from accord.accounts.services import user_create, user_update_roles
from accord.audit.events import AuditEventType
from accord.audit.models import AuditEvent
from accord.audit.testing import assert_audited
from accord.errors import NotFound, PermissionDenied, ValidationError

from .factories import login_fully, make_agency, make_task_force, make_user, reauthenticate

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready_coordinator(client, coordinator) -> Client:
    login_fully(client, coordinator)
    reauthenticate(client, coordinator)
    return client


def test_the_list_shows_only_the_coordinators_task_force(
    ready_coordinator, user, other_task_force_user
):
    page = ready_coordinator.get(reverse("accounts:user_list")).content.decode()
    assert user.username in page
    assert other_task_force_user.username not in page


def test_a_user_of_another_task_force_is_not_found(ready_coordinator, other_task_force_user):
    for name in ("user_detail", "user_roles", "user_enable", "user_second_factor_reset"):
        response = ready_coordinator.get(
            reverse(f"accounts:{name}", args=[other_task_force_user.pk])
        )
        assert response.status_code == 404, name
    for name in ("user_disable", "user_unlock"):
        response = ready_coordinator.post(
            reverse(f"accounts:{name}", args=[other_task_force_user.pk])
        )
        assert response.status_code == 404, name
    other_task_force_user.refresh_from_db()
    assert other_task_force_user.is_active


def test_non_coordinators_cannot_manage_users(client, user):
    login_fully(client, user)
    assert client.get(reverse("accounts:user_list")).status_code == 403


def test_coordinator_creates_a_user_with_roles_and_a_set_password_link(
    ready_coordinator, task_force, shelter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ready_coordinator.post(
            reverse("accounts:user_new"),
            {
                "username": "dana.wells",
                "display_name": "Dana Wells",
                "email": "dana.wells@example.invalid",
                "agency": shelter.pk,
                "roles": [Role.ADVOCATE],
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(username="dana.wells")
    assert created.agency == shelter
    assert created.role_set == {Role.ADVOCATE}
    assert not created.has_usable_password()
    assert mail.outbox[0].to == ["dana.wells@example.invalid"]
    made = assert_audited(AuditEventType.USER_CREATED, object_type="user", object_id=created.pk)
    assert made.detail["username"] == "dana.wells"
    granted = assert_audited(AuditEventType.ROLE_GRANTED, object_type="user", object_id=created.pk)
    assert granted.detail["role"] == Role.ADVOCATE


def test_the_create_form_names_the_fields_in_error(ready_coordinator, user, agency):
    other_agency = make_agency(make_task_force("south-ridge"), "ridge-sheriff")
    response = ready_coordinator.post(
        reverse("accounts:user_new"),
        {
            "username": user.username,
            "email": "not-an-address",
            "agency": other_agency.pk,
            "roles": ["wizard"],
            "password": "short",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"email", "agency", "roles"} <= set(errors)
    response = ready_coordinator.post(
        reverse("accounts:user_new"),
        {
            "username": user.username,
            "email": "x@example.invalid",
            "agency": agency.pk,
            "password": "short",
        },
    )
    errors = response.context["form"].errors
    assert "username" in errors and "already taken" in errors["username"][0]


def test_the_initial_password_is_validated(coordinator, agency):
    with pytest.raises(ValidationError) as raised:
        user_create(
            actor=coordinator,
            agency=agency,
            username="kit.vance",
            email="k@example.invalid",
            roles=[Role.INVESTIGATOR],
            password="password1234",
        )
    assert raised.value.data["field"] == "password"


def test_coordinator_cannot_create_users_in_another_task_force(coordinator):
    elsewhere = make_agency(make_task_force("south-ridge"), "ridge-sheriff")
    with pytest.raises(ValidationError):
        user_create(
            actor=coordinator,
            agency=elsewhere,
            username="kit.vance",
            email="k@example.invalid",
            roles=[Role.INVESTIGATOR],
        )
    assert not User.objects.filter(username="kit.vance").exists()


def test_only_coordinators_may_call_the_services(user, agency):
    with pytest.raises(PermissionDenied):
        user_create(
            actor=user, agency=agency, username="kit.vance", email="k@example.invalid", roles=[]
        )


def test_changing_roles_is_audited_role_by_role(ready_coordinator, coordinator, user):
    response = ready_coordinator.post(
        reverse("accounts:user_roles", args=[user.pk]), {"roles": [Role.PROSECUTOR, Role.SIGNATORY]}
    )
    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.role_set == {Role.PROSECUTOR, Role.SIGNATORY}
    granted = set(
        AuditEvent.objects.filter(
            event=AuditEventType.ROLE_GRANTED, object_id=str(user.pk)
        ).values_list("detail__role", flat=True)
    )
    revoked = set(
        AuditEvent.objects.filter(
            event=AuditEventType.ROLE_REVOKED, object_id=str(user.pk)
        ).values_list("detail__role", flat=True)
    )
    assert granted >= {Role.PROSECUTOR, Role.SIGNATORY}
    assert revoked == {Role.INVESTIGATOR}
    assert_audited(
        AuditEventType.ROLE_REVOKED, object_type="user", object_id=user.pk, actor=coordinator
    )


def test_a_coordinator_cannot_drop_their_own_coordinator_role(coordinator):
    with pytest.raises(ValidationError):
        user_update_roles(actor=coordinator, user=coordinator, roles=[Role.INVESTIGATOR])
    with pytest.raises(NotFound):
        user_update_roles(
            actor=coordinator,
            user=make_user(make_agency(make_task_force("south-ridge"), "x"), "ext.user"),
            roles=[],
        )


def test_disable_and_enable_from_the_pages(ready_coordinator, coordinator, user):
    response = ready_coordinator.post(
        reverse("accounts:user_disable", args=[user.pk]), {"reason": "left the agency"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active and user.disabled_reason == "left the agency"
    disabled = assert_audited(
        AuditEventType.USER_DISABLED, object_type="user", object_id=user.pk, actor=coordinator
    )
    assert disabled.detail["reason"] == "left the agency"
    assert ready_coordinator.get(reverse("accounts:user_enable", args=[user.pk])).status_code == 200
    ready_coordinator.post(reverse("accounts:user_enable", args=[user.pk]))
    user.refresh_from_db()
    assert user.is_active and user.disabled_at is None
    assert_audited(
        AuditEventType.USER_ENABLED, object_type="user", object_id=user.pk, actor=coordinator
    )


def test_a_coordinator_cannot_disable_themselves(ready_coordinator, coordinator):
    ready_coordinator.post(reverse("accounts:user_disable", args=[coordinator.pk]))
    coordinator.refresh_from_db()
    assert coordinator.is_active
    assert not AuditEvent.objects.filter(event=AuditEventType.USER_DISABLED).exists()


def test_unlock_from_the_page(ready_coordinator, coordinator, user):
    from django.utils import timezone

    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() + timezone.timedelta(minutes=20)
    )
    page = ready_coordinator.get(reverse("accounts:user_detail", args=[user.pk]))
    assert b"Unlock now" in page.content
    ready_coordinator.post(reverse("accounts:user_unlock", args=[user.pk]))
    user.refresh_from_db()
    assert user.locked_until is None
    unlocked = assert_audited(
        AuditEventType.ACCOUNT_UNLOCKED, object_type="user", object_id=user.pk, actor=coordinator
    )
    assert unlocked.detail["was_locked_until"] is not None


def test_resetting_the_second_factor_sends_the_user_to_enrolment(
    ready_coordinator, coordinator, user
):
    theirs = Client()
    login_fully(theirs, user)
    ready_coordinator.post(reverse("accounts:user_second_factor_reset", args=[user.pk]))
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert theirs.get(reverse("web:dashboard")).status_code == 302  # signed out
    from .factories import login_password_only

    fresh = Client()
    login_password_only(fresh, user)
    assert fresh.get(reverse("accounts:mfa")).url == reverse("accounts:enrol")
    assert_audited(
        AuditEventType.MFA_DEVICE_RESET, object_type="user", object_id=user.pk, actor=coordinator
    )


def test_navigation_offers_users_to_coordinators_only(ready_coordinator, client, user):
    page = ready_coordinator.get(reverse("web:dashboard")).content.decode()
    assert reverse("accounts:user_list") in page and reverse("accounts:sessions") in page
    other = Client()
    login_fully(other, user)
    page = other.get(reverse("web:dashboard")).content.decode()
    assert reverse("accounts:user_list") not in page and reverse("accounts:sessions") in page
