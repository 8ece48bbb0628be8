"""The pages and downloads: coordinators only, own task force only, re-authenticated and
audited downloads, suppressed funder numbers, bad periods answered with field errors."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client

from .conftest import reauthenticated

pytestmark = [pytest.mark.django_db]

Q1 = {"start": "2025-01-01", "end": "2025-03-31"}
CSV_URL = "/reports/funder/2025-01-01/2025-03-31/report.csv"
PDF_URL = "/reports/funder/2025-01-01/2025-03-31/report.pdf"


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    from conftest import sign_in

    return sign_in(Client(), user)


def test_the_dashboard_shows_the_quarter_to_a_coordinator(dataset, coordinator_client) -> None:
    page = coordinator_client.get("/reports/", Q1)
    assert page.status_code == 200
    html = page.content.decode()
    assert "2025 Q1" in html
    assert "50% (1 of 2 cases)" in html
    assert 'id="table-cases_by_stage"' in html
    assert '<img src="data:image/svg+xml;base64,' in html  # charts are images, no inline style
    assert " style=" not in html and "<style" not in html
    for canary in ("HYPERLINK", "Nail salon", "Canary", "V-1", "TT-2025"):
        assert canary not in html


def test_the_default_period_is_the_current_quarter(dataset, coordinator_client) -> None:
    from django.utils import timezone

    from accord.reports.periods import quarter_of

    page = coordinator_client.get("/reports/")
    assert page.status_code == 200
    assert quarter_of(timezone.localdate()).label in page.content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2025-13-01", "end": "2025-03-31"}, "Enter the first day as a date"),
        ({"start": "2025-01-01", "end": "yesterday"}, "Enter the last day as a date"),
        ({"start": "2025-03-31", "end": "2025-01-01"}, "on or after the first day"),
        ({"start": "2010-01-01", "end": "2025-01-01"}, "at most five years"),
        ({"start": "2025-01-01"}, "This field is required"),
    ],
)
def test_a_bad_period_gets_a_field_error_and_no_numbers(
    people, coordinator_client, query, message
) -> None:
    page = coordinator_client.get("/reports/", query)
    assert page.status_code == 400
    html = page.content.decode()
    assert message in html
    assert 'role="alert"' in html
    assert "<table" not in html


@pytest.mark.parametrize("url", ["/reports/", "/reports/funder/", CSV_URL, PDF_URL])
@pytest.mark.parametrize("who", ["hsi", "harbor", "da", "interp"])
def test_other_roles_are_refused(people, url, who) -> None:
    client = reauthenticated(client_for(people[who]))
    assert client.get(url).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(people) -> None:
    response = Client().get("/reports/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/")


def test_another_task_force_sees_only_its_own_numbers(dataset, make_member) -> None:
    from accord.accounts.models import TaskForce

    other = TaskForce.objects.create(slug="tf-other", name="Elsewhere Task Force")
    outsider = make_member(
        "coordinator.other", roles=["coordinator"], agency_slug="other-office", task_force_obj=other
    )
    page = client_for(outsider).get("/reports/", Q1)
    assert page.status_code == 200
    html = page.content.decode()
    assert "no case with a potential victim" in html
    stage_table = html.split('id="table-cases_by_stage"')[1].split("</table>")[0]
    assert re.findall(r'class="count total">(\d+)<', stage_table) == ["0"]


def test_the_funder_page_and_csv_hold_no_count_from_1_to_4(dataset, coordinator_client) -> None:
    page = coordinator_client.get("/reports/funder/", Q1)
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt;5" in html
    assert not re.findall(r'class="count[^"]*">([1-4])<', html)
    response = reauthenticated(coordinator_client).get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    numbers = [cell for row in rows for cell in row[1:] if cell.isdigit()]
    assert numbers and not [n for n in numbers if 1 <= int(n) <= 4]
    assert ["Period", "2025-01-01", "2025-03-31"] in rows
    assert any(row[:1] == ["Matched within 48 hours of intake"] for row in rows)
    text = response.content.decode()
    for canary in ("HYPERLINK", "Nail salon", "Canary", "V-1", "TT-2025"):
        assert canary not in text


def test_downloads_need_reauthentication_and_are_audited(dataset, coordinator_client) -> None:
    from accord.audit.models import AuditEvent

    response = coordinator_client.get(CSV_URL)
    assert response.status_code == 302
    assert response["Location"].endswith(f"?next={CSV_URL}")  # the period survives re-auth
    client = reauthenticated(coordinator_client)
    before = AuditEvent.objects.count()
    assert client.get(CSV_URL).status_code == 200
    pdf = client.get(PDF_URL)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    exported = list(AuditEvent.objects.filter(event="exported").order_by("seq"))
    assert [e.detail for e in exported] == [
        {
            "report": "funder",
            "format": fmt,
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
        }
        for fmt in ("csv", "pdf")
    ]
    assert all(e.object_type == "reports.funder_report" and e.fields == [] for e in exported)
    reads = AuditEvent.objects.filter(event="record_read", purpose="aggregate report")
    assert reads.filter(seq__gt=before).count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/reports/funder/2025-01-32/2025-03-31/report.csv",
        "/reports/funder/2025-03-31/2025-01-01/report.csv",
        "/reports/funder/x/x/report.pdf",
    ],
)
def test_a_download_of_no_period_is_not_found(people, coordinator_client, url) -> None:
    assert reauthenticated(coordinator_client).get(url).status_code == 404


def test_the_pdf_renderer_is_given_a_fetcher_that_refuses_urls(
    dataset, people, monkeypatch
) -> None:
    import weasyprint

    from accord.protocols.handbook import FetchRefused
    from accord.reports.exports import funder_report_export
    from accord.reports.periods import Period

    seen = []
    real = weasyprint.HTML

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs.get("url_fetcher"))
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    export = funder_report_export(
        actor=people["coordinator"], period=Period(*map(_day, Q1.values())), fmt="pdf"
    )
    assert export.content.startswith(b"%PDF")
    assert seen and seen[0] is not None
    with pytest.raises(FetchRefused):
        seen[0].fetch("https://example.invalid/tracker.png")


def _day(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    return date.fromisoformat(text)


def test_reports_are_in_the_navigation_of_coordinators_only(people, coordinator_client) -> None:
    assert '<a href="/reports/"' in coordinator_client.get("/").content.decode()
    assert '<a href="/reports/"' not in client_for(people["hsi"]).get("/").content.decode()


def test_immigration_counts_never_reach_the_funder_files(dataset, people) -> None:
    """An authorized coordinator sees Continued Presence counted on the dashboard; the funder
    page and CSV have no immigration table at all (S11: never in exports to others)."""
    from accord.accounts.models import User

    User.objects.filter(pk=people["coordinator"].pk).update(immigration_relief_authorized=True)
    client = reauthenticated(client_for(User.objects.get(pk=people["coordinator"].pk)))
    assert "Continued Presence requests" in client.get("/reports/", Q1).content.decode()
    assert "Continued Presence" not in client.get("/reports/funder/", Q1).content.decode()
    assert "Continued Presence" not in client.get(CSV_URL).content.decode()


def test_no_file_leaves_when_the_export_cannot_be_audited(
    dataset, coordinator_client, monkeypatch
) -> None:
    from accord.errors import AuditUnavailable
    from accord.reports import exports

    def broken(**kwargs):  # type: ignore[no-untyped-def]
        raise AuditUnavailable("down")

    monkeypatch.setattr(exports, "audit_record", broken)
    response = reauthenticated(coordinator_client).get(CSV_URL)
    assert response.status_code == 503
    assert "Period" not in response.content.decode()
