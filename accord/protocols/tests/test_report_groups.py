"""The report page groups findings per decision by what they share, and offers the full list
as a JSON download (issue 14)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accord.core import load_protocol
from accord.core.model import Interval
from accord.protocols import services
from accord.protocols.report_groups import grouped_items
from accord.protocols.verification import ReportItem

from .conftest import EXAMPLE, sign_in_client, with_gap

pytestmark = pytest.mark.django_db


def _gap(number: int, age: Interval, gender: tuple[str, ...]) -> ReportItem:
    return ReportItem(
        key=f"placement:gap::{number}",
        source="verification",
        decision="placement",
        kind="gap",
        rules=(),
        severity="error",
        message=f"No rule answers situation {number}",
        box={"victim_age": age, "victim_gender": gender},
    )


def test_many_gaps_read_as_one_line_naming_what_they_share_with_the_list_inside():
    protocol = load_protocol(EXAMPLE.read_text(encoding="utf-8"))
    adults = Interval(18, 120)
    items = [_gap(n, adults, (g,)) for n, g in enumerate(["female", "male", "nonbinary"] * 3)]
    items.append(_gap(99, Interval(3, 4), ("male",)))
    (section,) = grouped_items(protocol, items)
    first = section["groups"][0]
    assert first["count"] == 9 and first["kind"] == "gap"
    assert first["where"] == "Victim age (years): 18 or more"
    assert not first["open"]  # a long group opens on demand
    assert [item.key for item in first["items"]] == [item.key for item in items[:9]]
    assert sum(group["count"] for group in section["groups"]) == len(items)


def test_the_report_page_shows_groups_and_offers_the_full_list_as_a_download(
    coordinator, task_force, example_text
):
    version = services.protocol_version_create(
        actor=coordinator, task_force=task_force, yaml_text=with_gap(example_text)
    )
    client = sign_in_client(coordinator)
    url = reverse("protocols:report", args=[version.number])
    page = client.get(url).content.decode()
    assert '<details class="finding-group" open>' in page
    assert "1 finding: " in page
    assert "?format=json&amp;download=1" in page and "Download the full list (JSON)" in page
    download = client.get(url, {"format": "json", "download": "1"})
    assert download["Content-Disposition"].startswith("attachment;")
    data = json.loads(download.content)
    assert any(item["kind"] == "gap" for item in data["findings"])
