"""The handbook: every section, as HTML and as PDF, with no URL fetched (S21) and audited (S15)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from accord.audit.models import AuditEvent
from accord.protocols.handbook import (
    SECTION_TITLES,
    FetchRefused,
    build_handbook,
    refuse_fetch,
    render_handbook_html,
    render_handbook_pdf,
)

from .conftest import reauthenticated, sign_in_client


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_fetcher_refuses_every_url():
    for url in ("https://example.org/x.css", "file:///etc/passwd", "data:text/css,body{}"):
        with pytest.raises(FetchRefused):
            refuse_fetch(url)


def test_the_pdf_opens_and_shows_every_section(version_in_force, signatories):
    handbook = build_handbook(version=version_in_force)
    pdf = render_handbook_pdf(handbook)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for title in SECTION_TITLES:
        assert title in text, title
    assert "Signatories" in text and "Harbor-Light" in text  # an approving agency
    assert "Riverside Youth Shelter" in text


def test_a_remote_image_in_the_text_is_not_fetched(version_in_force, monkeypatch):
    """Even if the protocol text carried markup, nothing is loaded from a URL."""
    import accord.protocols.handbook as module

    calls = []

    def spy(url, *args, **kwargs):
        calls.append(url)
        return refuse_fetch(url)

    monkeypatch.setattr(module, "refuse_fetch", spy)
    html = render_handbook_html(build_handbook(version=version_in_force), standalone=True)
    html = html.replace("</article>", '<img src="https://tracker.example/p.png" alt=""></article>')
    from weasyprint import HTML

    pdf = HTML(string=html, url_fetcher=module.refusing_fetcher()).write_pdf()
    assert pdf.startswith(b"%PDF")
    assert calls == ["https://tracker.example/p.png"]


def test_a_sector_handbook_has_its_duties_in_full_and_the_others_basics(version_in_force):
    handbook = build_handbook(version=version_in_force, sector="victim_services")
    assert [r["label"] for r in handbook.responsibilities_full] == ["Victim services"]
    assert "Law enforcement local" in [r["label"] for r in handbook.responsibilities_basic]
    html = render_handbook_html(handbook, standalone=False)
    assert "An advocate contacts the victim within 2 hours" in html
    assert "Refer every potential victim" not in html  # another sector's duty, not its summary


def test_the_handbook_never_prints_an_address(version_in_force):
    from accord.directory.models import Address

    html = render_handbook_html(build_handbook(version=version_in_force), standalone=False)
    streets = [address.address_1 for address in Address.objects.all() if address.address_1]
    assert streets  # the directory has addresses, so the check below checks something
    for street in streets:
        assert street not in html


def test_viewing_and_downloading_are_audited_and_the_pdf_needs_reauthentication(
    version_in_force, coordinator
):
    client = sign_in_client(coordinator)
    assert client.get(reverse("protocols:handbook_in_force")).status_code == 200
    assert AuditEvent.objects.filter(event="printed", object_type="protocol_handbook").exists()
    url = reverse("protocols:handbook_pdf", args=[version_in_force.number])
    assert "reauthenticate" in client.get(url)["Location"]
    response = reauthenticated(client).get(url, {"sector": "prosecution"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.get(event="exported", object_type="protocol_handbook")
    assert event.detail["sector"] == "prosecution"


def test_the_printed_handbook_names_directory_entries_and_deciders(version_in_force, signatories):
    """The standalone document (the PDF's source, rendered without a request) speaks in names:
    decision tables name directory entries, the ladder names who decides, tasks read their
    placeholders as words."""
    html = render_handbook_html(build_handbook(version=version_in_force), standalone=True)
    protocol = version_in_force.protocol
    assert any("_" in level.decided_by for level in protocol.escalation)
    for level in protocol.escalation:
        assert f"decided by {level.decided_by}," not in html
    assert "decided by the parties' agency leads," in html.replace("&#x27;", "'")
    for reference in protocol.directory.values():
        assert f"<strong>{reference.id}</strong>" not in html
    placeholders = [d.task for d in protocol.deadlines if "{" in d.task]
    assert placeholders and "{victim}" not in html
