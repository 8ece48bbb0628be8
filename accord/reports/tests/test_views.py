"""The pages and downloads: coordinators only, own task force only, re-authenticated and
audited downloads, suppressed funder numbers, bad periods answered with field errors."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
import time_machine
from django.test import Client

from .conftest import reauthenticated

pytestmark = [pytest.mark.django_db]

Q1 = {"start": "2025-01-01", "end": "2025-03-31"}
FUNDER_Q1 = {"period": "2025-Q1"}
CSV_URL = "/reports/funder/2025-Q1/report.csv"
PDF_URL = "/reports/funder/2025-Q1/report.pdf"


@pytest.fixture(autouse=True)
def mid_july_2025():
    """Today is 15 July 2025 for these tests: 2025 Q2 is the last quarter that is over."""
    with time_machine.travel(datetime(2025, 7, 15, 12, tzinfo=UTC), tick=False):
        yield


def client_for(user) -> Client:
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
    page = coordinator_client.get("/reports/funder/", FUNDER_Q1)
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
    assert ["Period", "2025-01-01", "2025-03-31", "2025 Q1"] in rows
    assert any(row[:1] == ["Matched within 48 hours of intake"] for row in rows)
    text = response.content.decode()
    for canary in ("HYPERLINK", "Nail salon", "Canary", "V-1", "TT-2025"):
        assert canary not in text


def test_downloads_need_reauthentication_and_are_audited(dataset, coordinator_client) -> None:
    from accord.audit.models import AuditEvent, AuditReadEvent

    response = coordinator_client.get(CSV_URL)
    assert response.status_code == 302
    assert unquote(response["Location"]).endswith(f"?next={CSV_URL}")  # the period survives re-auth
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
            "period": "2025-Q1",
            "period_start": "2025-01-01",
            "period_end": "2025-03-31",
        }
        for fmt in ("csv", "pdf")
    ]
    assert all(e.object_type == "reports.funder_report" and e.fields == [] for e in exported)
    reads = AuditReadEvent.objects.filter(event="record_read", purpose="aggregate report")
    assert reads.filter(seq__gt=before).count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/reports/funder/2025-01-01/2025-03-31/report.csv",  # days, even a quarter's
        "/reports/funder/2025-02-03/2025-02-03/report.csv",  # one day
        "/reports/funder/2025-02-03_2025-02-04/report.pdf",
        "/reports/funder/2025-13/report.csv",
        "/reports/funder/2025-Q5/report.csv",
        "/reports/funder/2025-Q3/report.csv",  # not over yet
        "/reports/funder/2025-07/report.pdf",  # not over yet
        "/reports/funder/2025/report.csv",  # the year is not over
        "/reports/funder/2019-Q4/report.csv",  # beyond the list
        "/reports/funder/x/report.pdf",
    ],
)
def test_a_download_of_anything_but_a_funder_period_is_refused_naming_the_field(
    people, coordinator_client, url
) -> None:
    from accord.audit.models import AuditEvent

    response = reauthenticated(coordinator_client).get(url)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Period: choose a whole month, quarter or year" in text
    assert "Task force," not in text and "<table" not in text
    assert not AuditEvent.objects.filter(event="exported").exists()


@pytest.mark.parametrize(
    "url",
    [
        "/reports/funder/2025-Q2/report.csv",
        "/reports/funder/2025-06/report.csv",
        "/reports/funder/2024/report.csv",
    ],
)
def test_funder_periods_that_are_over_download(dataset, coordinator_client, url) -> None:
    assert reauthenticated(coordinator_client).get(url).status_code == 200


def test_the_pdf_renderer_is_given_a_fetcher_that_refuses_urls(
    dataset, people, monkeypatch
) -> None:
    import weasyprint

    from accord.protocols.handbook import FetchRefused
    from accord.reports.exports import funder_report_export
    from accord.reports.periods import Period

    seen = []
    real = weasyprint.HTML

    def spy(*args, **kwargs):
        seen.append(kwargs.get("url_fetcher"))
        return real(*args, **kwargs)

    monkeypatch.setattr(weasyprint, "HTML", spy)
    export = funder_report_export(
        actor=people["coordinator"], period=Period(*map(_day, Q1.values())), fmt="pdf"
    )  # a quarter given as its days is the quarter
    assert export.content.startswith(b"%PDF")
    assert seen and seen[0] is not None
    with pytest.raises(FetchRefused):
        seen[0].fetch("https://example.invalid/tracker.png")


def _day(text: str):
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
    assert "Continued Presence" not in client.get("/reports/funder/", FUNDER_Q1).content.decode()
    assert "Continued Presence" not in client.get(CSV_URL).content.decode()


def test_no_file_leaves_when_the_export_cannot_be_audited(
    dataset, coordinator_client, monkeypatch
) -> None:
    from accord.errors import AuditUnavailable
    from accord.reports import exports

    def broken(**kwargs):
        raise AuditUnavailable("down")

    monkeypatch.setattr(exports, "audit_record", broken)
    response = reauthenticated(coordinator_client).get(CSV_URL)
    assert response.status_code == 503
    assert "Period" not in response.content.decode()


def _cell(html: str, table: str, row: str, column: int) -> str:
    part = html.split(f'id="table-{table}"')[1].split("</table>")[0]
    cells = part.split(f'<th scope="row">{row}</th>')[1].split("</tr>")[0]
    return re.findall(r'<td class="count[^"]*">([^<]*)<', cells)[column].replace("&lt;", "<")


@pytest.mark.parametrize("day", ["2025-02-03", "2025-02-04"])
def test_the_issues_attack_two_funder_reports_a_day_apart_cannot_be_had(
    dataset, coordinator_client, day
) -> None:
    """The farm case (one minor boy) opened on 3 February: a report of the 3rd and one of
    the 4th would differ by him. Neither is produced: the field is named, no number shown."""
    page = coordinator_client.get("/reports/funder/", {"start": day, "end": day})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Period: Funder reports cover whole months, quarters or years only" in html
    assert 'role="alert"' in html and "<table" not in html
    for query in ({"period": day}, {"period": "2025-02", "start": day, "end": day}):
        page = coordinator_client.get("/reports/funder/", query)
        assert page.status_code == 400 and "<table" not in page.content.decode()


def test_the_funder_list_offers_only_whole_periods_that_are_over(
    people, coordinator_client
) -> None:
    from accord.reports.periods import parse_funder_period

    page = coordinator_client.get("/reports/funder/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Funder report — 2025 Q2" in html  # the last quarter that is over
    offered = re.findall(r'<option value="([^"]+)"', html)
    for wanted in ("2025-Q2", "2025-06", "2025-01", "2024", "2024-Q4", "2020-01"):
        assert wanted in offered
    for running in ("2025-Q3", "2025-07", "2025"):
        assert running not in offered
    today = datetime(2025, 7, 15).date()
    for key in offered:
        period = parse_funder_period(key, today=today)
        assert period is not None and period.kind in ("month", "quarter", "year")
        assert period.end < today


def test_a_month_with_one_minor_boy_is_suppressed_in_the_month_and_its_quarter(
    dataset, coordinator_client
) -> None:
    """February holds the farm's minor boy; January and March hold no minor. February shows
    him as <5, and so does Q1, so Q1 minus January and March gives nothing."""
    shown = {}
    for key in ("2025-01", "2025-02", "2025-03", "2025-Q1"):
        page = coordinator_client.get("/reports/funder/", {"period": key})
        assert page.status_code == 200
        shown[key] = _cell(page.content.decode(), "victims", "Minor (under 18)", 1)
    assert shown == {"2025-01": "0", "2025-02": "<5", "2025-03": "0", "2025-Q1": "<5"}


def test_the_dashboard_takes_any_days_and_says_why_in_plain_words(
    dataset, coordinator_client
) -> None:
    page = coordinator_client.get("/reports/", {"start": "2025-02-03", "end": "2025-02-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "You may choose any first and last day here, because this page never leaves" in html
    assert _cell(html, "victims", "Minor (under 18)", 1) == "1"  # inside, small counts show
    assert 'href="/reports/funder/">funder report' in html  # no days carried to funders


@pytest.mark.parametrize(
    ("query", "link"),
    [
        (Q1, "/reports/funder/?period=2025-Q1"),
        ({"start": "2025-02-01", "end": "2025-02-28"}, "/reports/funder/?period=2025-02"),
        ({"start": "2024-01-01", "end": "2024-12-31"}, "/reports/funder/?period=2024"),
        ({"start": "2025-07-01", "end": "2025-09-30"}, "/reports/funder/"),  # not over
        ({"start": "2025-01-01", "end": "2025-03-30"}, "/reports/funder/"),  # not whole
    ],
)
def test_the_dashboard_hands_a_funder_period_on_only_when_it_is_one(
    people, coordinator_client, query, link
) -> None:
    html = coordinator_client.get("/reports/", query).content.decode()
    assert f'href="{link}">funder report' in html


def test_the_funder_selector_refuses_other_periods_whoever_calls_it(people) -> None:
    """The guard sits in the selector as well as the form: a free-days or running period is
    refused with the field named."""
    from datetime import date

    from accord.errors import ValidationError
    from accord.reports.periods import Period
    from accord.reports.selectors import funder_view_for

    for period in (
        Period(date(2025, 2, 3), date(2025, 2, 3)),
        Period(date(2025, 1, 1), date(2025, 3, 30)),
        Period(date(2025, 7, 1), date(2025, 9, 30)),  # the running quarter
        Period(date(2025, 7, 1), date(2025, 7, 31)),  # the running month
    ):
        with pytest.raises(ValidationError) as refused:
            funder_view_for(viewer=people["coordinator"], period=period)
        assert refused.value.data == {"field": "period"}
    june = Period(date(2025, 6, 1), date(2025, 6, 30))
    assert funder_view_for(viewer=people["coordinator"], period=june).suppressed


def test_a_chart_is_an_svg_of_one_bar_per_row_scaled_to_the_largest() -> None:
    """The bars are drawn to scale, each labelled with its row and its count, labels escaped."""
    import base64

    from defusedxml import ElementTree

    from accord.reports.charts import BAR_SPACE, bar_chart
    from accord.reports.suppression import CountTable

    table = CountTable(
        key="t",
        title="Tasks",
        row_labels=("Done <on time>", "Late", "None"),
        column_labels=("Tasks",),
        cells=((10,), (5,), (0,)),
    )
    chart = bar_chart(table)
    svg = base64.b64decode(chart.data_uri.removeprefix("data:image/svg+xml;base64,"))
    root = ElementTree.fromstring(svg)  # well-formed: the label's < and > are escaped
    namespace = "{http://www.w3.org/2000/svg}"
    widths = [int(rect.get("width", "")) for rect in root.iter(f"{namespace}rect")]
    assert widths == [BAR_SPACE, BAR_SPACE // 2, 0]
    texts = [text.text for text in root.iter(f"{namespace}text")]
    assert texts == ["Done <on time>", "10", "Late", "5", "None", "0"]
    assert chart.alt == "Tasks: Done <on time> 10; Late 5; None 0"
