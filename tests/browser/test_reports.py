"""Reports journey: a coordinator opens the dashboard, changes the period, reads the funder
report and downloads its CSV after confirming it is them (S7); axe-core on every page."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from accord.cases.tests.conftest import county, people  # noqa: F401 - fixtures
from accord.reports.tests.conftest import dataset  # noqa: F401 - fixture
from tests.browser.conftest import assert_accessible, screenshot
from tests.browser.journeys import fresh_code, sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_changes_the_period_and_downloads_the_funder_csv(
    page,
    people,  # noqa: F811
    dataset,  # noqa: F811
) -> None:
    from accord.accounts.tests.factories import DEFAULT_PASSWORD
    from accord.audit.models import AuditEvent

    coordinator = people["coordinator"]
    sign_in_as(page, coordinator, path="/reports/")
    page.goto("/reports/")
    assert page.get_by_role("link", name="Reports").is_visible()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Task force reports")
    assert_accessible(page)
    screenshot(page, "reports-01-dashboard-current-quarter")

    # A last day before the first is refused with a message on the field.
    page.get_by_label("First day").fill("2025-03-31")
    page.get_by_label("Last day").fill("2025-01-01")
    page.get_by_role("button", name="Show period").click()
    assert "on or after the first day" in page.get_by_role("alert").first.inner_text()
    assert_accessible(page)
    screenshot(page, "reports-02-bad-period")

    page.get_by_label("First day").fill("2025-01-01")
    page.get_by_label("Last day").fill("2025-03-31")
    page.get_by_role("button", name="Show period").click()
    assert "2025 Q1" in page.get_by_role("heading", level=1).inner_text()
    assert "50% (1 of 2 cases)" in page.locator(".headlines").inner_text()
    stages = page.locator("#table-cases_by_stage")
    assert "Investigation" in stages.inner_text()
    assert_accessible(page)
    screenshot(page, "reports-03-dashboard-q1")

    page.get_by_role("link", name="funder report").click()
    assert "Funder report — 2025 Q1" in page.get_by_role("heading", level=1).inner_text()
    assert "<5" in page.locator("#table-cases_by_stage").inner_text()
    assert_accessible(page)
    screenshot(page, "reports-04-funder-report")

    # Funders get whole months, quarters or years from a list, never chosen days (S13).
    page.get_by_label("Period", exact=True).select_option("2025-02")
    page.get_by_role("button", name="Show period").click()
    assert "February 2025" in page.get_by_role("heading", level=1).inner_text()
    assert "<5" in page.locator("#table-victims").inner_text()
    assert_accessible(page)
    screenshot(page, "reports-04b-funder-report-month")

    page.get_by_role("link", name="Download CSV").click()
    page.wait_for_load_state()
    assert "Confirm it is you" in page.title()
    assert_accessible(page)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_label("6-digit code").fill(fresh_code(coordinator))
    with page.expect_download() as info:
        page.get_by_role("button", name="Confirm").click()
    download = info.value
    assert download.suggested_filename == "funder-report-2025-02.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    numbers = [int(cell) for row in rows for cell in row[1:] if cell.isdigit()]
    assert numbers and not [n for n in numbers if 1 <= n <= 4]
    assert "<5" in text
    assert AuditEvent.objects.filter(event="exported", detail__format="csv").count() == 1
    screenshot(page, "reports-05-after-download")
