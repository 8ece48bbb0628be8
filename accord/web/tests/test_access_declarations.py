"""S8: every URL pattern declares who may use it; undeclared views are refused at run time."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import path

from accord.accounts.access import access_of
from accord.audit.models import AuditEvent
from accord.urls import urlpatterns as root_urlpatterns
from accord.web.urlwalk import iter_routes


def test_every_url_pattern_declares_its_access():
    routes = list(iter_routes())
    assert len(routes) >= 5, "the walker found too few routes to be walking the resolver"
    undeclared = [
        f"{route.name} ({route.path})" for route in routes if access_of(route.view) is None
    ]
    assert undeclared == [], f"views without an access declaration: {undeclared}"


def _undeclared_view(request):
    from django.http import HttpResponse

    return HttpResponse("secret")


urlpatterns = [path("undeclared/", _undeclared_view), *root_urlpatterns]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_an_undeclared_view_is_refused_and_the_denial_audited():
    response = Client().get("/undeclared/")
    assert response.status_code == 403
    assert b"secret" not in response.content
    denial = AuditEvent.objects.get(event="access_denied")
    assert denial.detail["reason"] == "undeclared view"


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_sign_in_from_every_member_page():
    client = Client()
    member_routes = [
        route
        for route in iter_routes()
        if (access := access_of(route.view)) is not None and access.level == "member"
    ]
    assert len(member_routes) >= 10  # the walk found the member pages
    for route in member_routes:
        response = client.get(route.path)
        assert response.status_code in (302, 401), route.name
        if response.status_code == 302:
            assert "/accounts/" in response["Location"], route.name


def test_member_user_and_agency_refuse_who_a_member_view_must_never_see():
    """The typed accessors fail closed: an anonymous visitor, or a user of no agency, is refused
    rather than passed on as a member (should a view ever be declared wrongly)."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from accord.accounts.access import member_agency, member_user
    from accord.accounts.models import Agency, User
    from accord.errors import PermissionDenied

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        member_user(request)
    request.user = User(username="no-agency")
    assert member_user(request) is request.user
    with pytest.raises(PermissionDenied):
        member_agency(request)
    agency = Agency(name="Example agency")
    request.user = User(username="member", agency=agency)
    assert member_agency(request) is agency
