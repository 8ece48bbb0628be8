"""S8 for the API: every operation declares who may use it; an undeclared one is refused."""

from __future__ import annotations

import pytest
from django.http import HttpRequest
from django.urls import path
from ninja import Router

from accord.accounts.access import access_of
from accord.accounts.models import Role
from accord.api.api import api, build_api
from accord.api.security import api_operations, for_members, undeclared_operations
from accord.audit.models import AuditEvent
from accord.urls import urlpatterns as site_urlpatterns
from accord.web.urlwalk import iter_routes


def test_every_api_operation_declares_its_access():
    operations = list(api_operations(api))
    assert len(operations) >= 9, "the enumeration found too few operations to be walking the API"
    assert undeclared_operations(api) == []


def test_the_declarations_are_the_ones_the_pages_would_make():
    declared = {op.describe(): op.access.describe() for op in api_operations(api)}
    assert declared["GET me (me)"] == "member (any member)"
    assert "investigator" in declared["GET cases/{case_id} (case_get)"]
    assert "signatory" not in declared["GET cases/{case_id} (case_get)"]


# A throwaway router: one declared operation, one that forgot, one that switched auth off.
throwaway = Router()


@throwaway.get("/declared")
@for_members(Role.COORDINATOR)
def declared(request: HttpRequest) -> dict[str, str]:
    return {"ok": "declared"}


@throwaway.get("/forgotten")
def forgotten(request: HttpRequest) -> dict[str, str]:
    return {"secret": "forgotten"}


@throwaway.get("/opened", auth=None)
def opened(request: HttpRequest) -> dict[str, str]:
    return {"secret": "opened"}


@for_members()  # above the router decorator works too
@throwaway.get("/declared-above")
def declared_above(request: HttpRequest) -> dict[str, str]:
    return {"ok": "declared above"}


throwaway_api = build_api(routers=[throwaway], urls_namespace="throwaway")
urlpatterns = [path("api/throwaway/", throwaway_api.urls), *site_urlpatterns]


def test_the_check_fails_on_an_undeclared_operation():
    assert sorted(undeclared_operations(throwaway_api)) == [
        "GET forgotten (forgotten)",
        "GET opened (opened)",
    ]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_an_undeclared_operation_is_refused_at_run_time_and_audited(member_client):
    client = member_client("uma.undeclared", roles=[Role.COORDINATOR])
    response = client.get("/api/throwaway/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.content
    assert response.json()["error"] == "undeclared_operation"
    denial = AuditEvent.objects.get(event="access_denied")
    assert denial.detail["reason"] == "undeclared view"
    assert client.get("/api/throwaway/declared").json() == {"ok": "declared"}
    assert client.get("/api/throwaway/declared-above").json() == {"ok": "declared above"}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_declared_role_is_enforced_and_the_denial_audited(member_client):
    client = member_client("ivy.investigator", roles=[Role.INVESTIGATOR])
    response = client.get("/api/throwaway/declared")
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert (
        AuditEvent.objects.get(event="access_denied").detail["reason"] == "needs role coordinator"
    )


@pytest.mark.django_db
def test_auditors_and_signatories_reach_no_case_data(member_client):
    client = member_client("sig.natory", roles=[Role.SIGNATORY, Role.AUDITOR])
    for url in ("/api/v1/cases", "/api/v1/cases/1", "/api/v1/tasks/mine", "/api/v1/tasks/agency"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/me").status_code == 200


def test_every_url_pattern_of_the_api_is_declared_for_the_page_middleware():
    """The site-wide S8 walk includes the API: its URL patterns are declared for the middleware too."""
    api_routes = [route for route in iter_routes() if route.path.startswith("/api/v1/")]
    assert len(api_routes) >= 10
    assert [route.name for route in api_routes if access_of(route.view) is None] == []
