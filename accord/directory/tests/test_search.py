"""Search finds the right service for a described person and says why."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accord.directory.models import Schedule, Service
from accord.directory.search import SearchQuery, directory_search, open_now

from .conftest import verified_client

pytestmark = pytest.mark.django_db


def run(task_force, **criteria):
    return directory_search(
        task_force_id=task_force.pk,
        query=SearchQuery(**criteria),
        now=datetime(2026, 11, 25, 23, 0, tzinfo=UTC),
    )


def test_shelter_for_a_16_year_old_boy_who_speaks_tagalog_tonight(task_force, demo):
    outcome = run(
        task_force,
        service_type="emergency_shelter",
        age=16,
        gender="male",
        language="tgl",
        open_now=True,
        include_near_misses=True,
    )
    assert [r.service.slug for r in outcome.matches] == ["riverside-youth-shelter"]
    assert outcome.matches[0].explanation == (
        "matches: emergency shelter; serves Tagalog (tl); ages 12-17 includes 16; "
        "male eligible; open now (24/7)"
    )
    misses = {r.service.slug: r for r in outcome.near_misses}
    assert "serves ages 18+, not 16" in misses["harbor-mens-shelter-beds"].unmatched
    assert "male not eligible (serves female)" in misses["harbor-light-safe-house"].unmatched


def test_adult_woman_finds_the_safe_house(task_force, demo):
    outcome = run(task_force, service_type="emergency_shelter", age=30, gender="female")
    assert "harbor-light-safe-house" in {r.service.slug for r in outcome.matches}
    assert "riverside-youth-shelter" not in {r.service.slug for r in outcome.matches}


def test_jurisdiction_and_citizenship_filter(task_force, demo):
    outcome = run(
        task_force,
        citizenship="foreign_national",
        service_type="legal_immigration",
        jurisdiction="riverton",
    )
    assert [r.service.slug for r in outcome.matches] == ["legal-aid-immigration"]
    outcome = run(task_force, service_type="medical", jurisdiction="lakeside")
    assert "riverton-clinic-primary-care" not in {r.service.slug for r in outcome.matches}


def test_open_now_uses_weekday_hours(task_force, demo):
    service = Service.objects.get(slug="cac-forensic-interview")
    tuesday_noon = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    sunday_noon = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert open_now(service, now=tuesday_noon) == (True, "09:00-17:00 today")
    assert open_now(service, now=sunday_noon) == (False, "outside opening hours")
    Schedule.objects.filter(service=service).delete()
    assert open_now(Service.objects.get(pk=service.pk), now=tuesday_noon)[0] is False


def test_another_task_forces_services_are_never_found(task_force, other_task_force, demo):
    assert run(task_force, text="Riverside").total >= 1
    assert (
        directory_search(
            task_force_id=other_task_force.pk, query=SearchQuery(text="Riverside")
        ).total
        == 0
    )


def test_search_page_explains_results(demo, make_user):
    user = make_user("advocate", agency=demo["new-dawn"])
    page = verified_client(user).get(
        reverse("directory:search"),
        {"service_type": "emergency_shelter", "age": 16, "gender": "male", "language": "tl"},
    )
    text = page.content.decode()
    assert "Riverside emergency youth shelter" in text
    assert "ages 12-17 includes 16" in text


def test_unknown_language_in_the_form_is_an_error(demo, make_user):
    user = make_user("advocate", agency=demo["new-dawn"])
    page = verified_client(user).get(reverse("directory:search"), {"language": "qqq"})
    assert "is not an ISO 639 language code" in page.content.decode()
