"""The words a victim reads: the release and its revocation notice, in the victim's language.

What a person would notice: the release names the provider recording it (never another) and
the agencies and categories the victim chose, the end date in the task force's time zone, in
the language the advocate chose (by default the victim's recorded language); the revocation
notice comes in the same language; the release prints with signature lines; a coordinator adds
a language, and a text with an unknown or missing placeholder is refused on its field; the
shipped English and Spanish read at grade 6 or lower.
"""

from __future__ import annotations

import importlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accord.accounts.models import TaskForce
from accord.audit.events import AuditEventType
from accord.audit.testing import assert_audited, audit_mark
from accord.cases.tests.conftest import open_case
from accord.cases.tests.test_views import client_for
from accord.errors import PermissionDenied, ValidationError
from accord.sharing import readability, wording
from accord.sharing.models import ConsentText, Release
from accord.sharing.services import (
    WordingInput,
    consent_record,
    consent_revoke,
    consent_text_add,
    consent_texts_install_shipped,
)

from .conftest import _adult_facts

SPANISH_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto")


# --- placeholders (no database) -----------------------------------------------------------------


def test_the_shipped_texts_have_every_placeholder_and_no_other():
    for shipped in wording.SHIPPED:
        assert wording.check_placeholders(shipped.release_text, wording.RELEASE_PLACEHOLDERS) == []
        assert (
            wording.check_placeholders(shipped.revocation_notice, wording.NOTICE_PLACEHOLDERS) == []
        )
        assert set(shipped.category_words) == {
            "identity",
            "contact",
            "location",
            "needs",
            "safety",
        }


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{provider} shares {recipients} {categories} {date} with {victim}", "{victim}"),
        ("{provider} shares {recipients} {categories} until {date} {Provider}", "{Provider}"),
        ("{provider} shares {recipients} {categories}.", "Missing placeholder {date}"),
        ("{recipients} {categories} {date}", "Missing placeholder {provider}"),
        ("{provider} {recipients} {categories} {date} {provider", "not closed"),
        ("{provider} {recipients} {categories} {date} }", "not closed"),
    ],
)
def test_a_bad_placeholder_is_named(text, words):
    problems = " ".join(wording.check_placeholders(text, wording.RELEASE_PLACEHOLDERS))
    assert words in problems


_NAME = re.compile(r"\{([^{}]*)\}")


@given(
    used=st.sets(st.sampled_from(list(wording.RELEASE_PLACEHOLDERS))),
    extra=st.sets(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=10)),
)
def test_the_check_names_exactly_the_unknown_and_the_missing_placeholders(used, extra):
    extra = extra - set(wording.RELEASE_PLACEHOLDERS)
    text = "Words " + " and ".join("{" + name + "}" for name in sorted(used | extra)) + "."
    problems = wording.check_placeholders(text, wording.RELEASE_PLACEHOLDERS)
    unknown = next((p for p in problems if p.startswith("Unknown")), "")
    missing = next((p for p in problems if p.startswith("Missing")), "")
    assert set(_NAME.findall(unknown.split(". Use only")[0])) == extra
    required = set(wording.RELEASE_PLACEHOLDERS) - wording.OPTIONAL_PLACEHOLDERS
    assert set(_NAME.findall(missing)) == required - used
    if not problems:
        values = dict.fromkeys(wording.RELEASE_PLACEHOLDERS, "x")
        assert "{" not in wording.fill(text, values)


def test_the_advocate_placeholder_is_optional_and_a_text_without_any_is_kept_as_written():
    assert (
        wording.check_placeholders(
            "{provider} {recipients} {categories} {date}", wording.RELEASE_PLACEHOLDERS
        )
        == []
    )
    assert wording.fill("No placeholders here.", {"provider": "X"}) == "No placeholders here."


def test_dates_are_written_in_the_language_and_the_task_force_zone():
    from zoneinfo import ZoneInfo

    moment = datetime(2027, 6, 5, 3, 0, tzinfo=UTC)  # still June 4 in Chicago
    chicago = ZoneInfo("America/Chicago")
    assert wording.local_date_words(moment, zone=chicago, language_code="en") == "June 4, 2027"
    assert wording.local_date_words(moment, zone=chicago, language_code="es") == (
        "4 de junio de 2027"
    )
    assert wording.local_date_words(moment, zone=ZoneInfo("UTC"), language_code="es") == (
        "5 de junio de 2027"
    )


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        ("Spanish", "es"),
        ("Tigrinya, Spanish", "es"),
        ("english and spanish", "en"),
        ("es", "es"),
        ("Tigrinya", None),
        ("", None),
    ],
)
def test_the_victims_first_recorded_language_with_a_wording_is_chosen(recorded, expected):
    texts = [("en", "English"), ("es", "Spanish")]
    assert wording.matching_language(recorded, texts) == expected


# --- readability ----------------------------------------------------------------------------------

DEMO_VALUES = {
    "provider": "Harbor Light Survivor Services",
    "recipients": "HSI Riverton, Riverton Police Department",
    "advocate": "Alex Rivera",
}


def _filled(shipped: wording.ShippedWording, text: str) -> str:
    values = {
        **DEMO_VALUES,
        "categories": wording.category_words(
            ["identity", "contact", "location"], shipped.category_words
        ),
        "date": wording.local_date_words(
            datetime(2027, 6, 5, 12, tzinfo=UTC),
            zone=UTC,
            language_code=shipped.code,
        ),
    }
    return wording.fill(text, values)


@pytest.mark.parametrize("shipped", wording.SHIPPED, ids=lambda s: s.code)
def test_the_shipped_texts_read_at_grade_six_or_lower(shipped):
    """Measured as the victim reads them (filled with the demo's names); docs/sharing.md keeps
    the figures."""
    for text in (shipped.release_text, shipped.revocation_notice):
        measured = readability.grade(_filled(shipped, text), language_code=shipped.code)
        assert measured.grade <= 6.0, (shipped.code, measured)
        assert measured.words_per_sentence <= 12, (shipped.code, measured)


def test_a_hard_text_measures_above_grade_six():
    """The measure can fail: legal wording is well above grade 6 in both languages."""
    english = (
        "The undersigned hereby authorizes the aforementioned organization to disclose "
        "personally identifying information, notwithstanding confidentiality obligations "
        "established under applicable federal regulations governing victim service providers."
    )
    spanish = (
        "La persona abajo firmante autoriza expresamente a la organización mencionada a "
        "divulgar información personalmente identificable, independientemente de las "
        "obligaciones de confidencialidad establecidas por las regulaciones federales aplicables "
        "a los proveedores de servicios para víctimas."
    )
    assert readability.grade(english, language_code="en").grade > 12
    assert readability.grade(spanish, language_code="es").grade > 6


# --- recording, revoking, printing (database) ------------------------------------------------


@pytest.fixture
def shipped(task_force):
    consent_texts_install_shipped(task_force_id=task_force.pk)
    return {text.language_code: text for text in ConsentText.objects.filter(task_force=task_force)}


@pytest.fixture
def new_dawn_case(people):
    """A case opened by New Dawn's advocate: New Dawn serves its victim (a second provider)."""
    return open_case(people["newdawn"], facts={**_adult_facts()})


def _record(people, actor_key, victim, consent_text, *, recipients=("hsi",), days=30, now=None):
    now = now or timezone.now()
    return consent_record(
        actor=people[actor_key],
        victim=victim,
        recipients=[people[key].agency for key in recipients],
        categories=["identity", "contact"],
        purpose="Canary-purpose: interview",
        expires_at=now + timedelta(days=days),
        consent_text=consent_text,
        signature_method="e_signature",
        signer_typed_name="Canary Signername",
        signer_agreed=True,
        now=now,
    )


def _use_zone(task_force, zone: str, settings_fixture) -> None:
    """The task force's time zone: its own setting where the model has one, else the
    deployment's (both read by ``door.local_zone``)."""
    settings_fixture.TIME_ZONE = zone
    if any(field.name == "time_zone" for field in TaskForce._meta.get_fields()):
        TaskForce.objects.filter(pk=task_force.pk).update(**{"time_zone": zone})


@hypothesis_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    producer=st.sampled_from(["harbor", "newdawn"]),
    recipients=st.sets(st.sampled_from(["hsi", "rpd", "da", "legal", "cps"]), min_size=1),
    language=st.sampled_from(["en", "es"]),
)
def test_a_release_names_the_provider_recording_it_and_never_another(
    people, provider_case, new_dawn_case, shipped, producer, recipients, language
):
    """The user-testing bug: the text a victim read named the wrong provider."""
    case = provider_case if producer == "harbor" else new_dawn_case
    victim = case.potentialvictims.get()
    release = _record(people, producer, victim, shipped[language], recipients=sorted(recipients))
    other = "newdawn" if producer == "harbor" else "harbor"
    text = release.text_shown
    assert people[producer].agency.name in text
    assert people[other].agency.name not in text
    for key in recipients:
        assert people[key].agency.name in text
    not_named = {"hsi", "rpd", "da", "legal", "cps"} - recipients
    for key in not_named:
        assert people[key].agency.name not in text
    assert "{" not in text and "}" not in text  # every placeholder filled


def test_the_release_and_its_notice_come_in_spanish_with_spanish_dates(
    people, provider_case, shipped, settings
):
    _use_zone(people["harbor"].agency.task_force, "America/Chicago", settings)
    victim = provider_case.potentialvictims.get()
    now = datetime(2027, 5, 6, 3, 0, tzinfo=UTC)  # May 5 in Chicago
    release = _record(people, "harbor", victim, shipped["es"], now=now)
    assert "Acepto que HARBOR-LIGHT comparta parte de mi información." in release.text_shown
    assert "Quién la puede ver: HSI-RIVERTON." in release.text_shown
    assert "mi nombre y mi fecha de nacimiento; cómo hablar conmigo" in release.text_shown
    assert "Este acuerdo termina el 4 de junio de 2027." in release.text_shown  # Chicago
    assert release.revocation_notice_shown == ""

    later = datetime(2027, 5, 20, 4, 0, tzinfo=UTC)  # May 19 in Chicago
    consent_revoke(actor=people["harbor"], consent=release, reason="asked", now=later)
    release.refresh_from_db()
    notice = release.revocation_notice_shown
    assert notice.startswith("Paré mi acuerdo para compartir información")
    assert "El 19 de mayo de 2027 paré mi acuerdo." in notice
    assert "Ahora HARBOR-LIGHT no comparte mi información con HSI-RIVERTON." in notice
    assert "I stopped" not in notice


def test_an_english_release_gets_an_english_notice(people, provider_case, shipped):
    victim = provider_case.potentialvictims.get()
    release = _record(people, "harbor", victim, shipped["en"])
    consent_revoke(actor=people["harbor"], consent=release, reason="asked")
    release.refresh_from_db()
    assert release.revocation_notice_shown.startswith("I stopped my agreement")
    assert not any(month in release.revocation_notice_shown for month in SPANISH_MONTHS)


def _set_victim_language(victim, language: str) -> None:
    from accord.cases.models import PotentialVictim

    PotentialVictim.objects.filter(pk=victim.pk).update(language=language)


def test_the_form_opens_in_the_victims_recorded_language_and_the_advocate_may_change_it(
    people, provider_case, shipped
):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    url = reverse("sharing:release_new", args=[victim.pk])

    _set_victim_language(victim, "Tigrinya, Spanish")
    page = harbor.get(url).content.decode()
    assert "Acepto que HARBOR-LIGHT comparta" in page and 'lang="es"' in page
    assert "Chosen from the languages recorded for the victim: Spanish." in page
    assert f'name="consent_text" value="{shipped["es"].pk}"' in page

    english = harbor.get(url, {"language": "en"}).content.decode()
    assert "I agree that HARBOR-LIGHT can share" in english
    assert f'name="consent_text" value="{shipped["en"].pk}"' in english

    _set_victim_language(victim, "Tigrinya")  # no wording in it: English
    assert "I agree that HARBOR-LIGHT can share" in harbor.get(url).content.decode()


def test_show_the_text_fills_in_the_choices_without_recording(people, provider_case, shipped):
    victim = provider_case.potentialvictims.get()
    harbor = client_for(people["harbor"])
    url = reverse("sharing:release_new", args=[victim.pk]) + "?language=es"
    day = timezone.localdate() + timedelta(days=10)
    data = {
        "consent_text": str(shipped["es"].pk),
        "recipients": [str(people["hsi"].agency_id)],
        "categories": ["contact"],
        "purpose": "Canary-purpose",
        "expires_on": day.isoformat(),
        "signature_method": "e_signature",
        "preview": "1",
    }
    before = harbor.get(url).content.decode()
    assert wording.BLANK in before  # nothing chosen yet
    page = harbor.post(url, data).content.decode()
    assert "Quién la puede ver: HSI-RIVERTON." in page
    assert "Qué pueden ver: cómo hablar conmigo." in page
    assert not Release.objects.exists()

    del data["preview"]
    data.update(signer_typed_name="Canary Signername", signer_agreed="on")
    response = harbor.post(url, data)
    release = Release.objects.get()
    assert response.status_code == 302
    assert release.consent_text == shipped["es"]
    assert "Quién la puede ver: HSI-RIVERTON." in release.text_shown


def test_the_printable_release_is_in_its_language_with_signature_lines_and_audited(
    people, provider_case, shipped
):
    victim = provider_case.potentialvictims.get()
    release = _record(people, "harbor", victim, shipped["es"])
    harbor = client_for(people["harbor"])
    detail = harbor.get(reverse("sharing:release_detail", args=[release.pk])).content.decode()
    print_url = reverse("sharing:release_print", args=[release.pk])
    assert print_url in detail and "Print the release (Spanish)" in detail

    mark = audit_mark()
    page = harbor.get(print_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="es">' in body
    assert "<h1>Mi acuerdo para compartir información</h1>" in body
    assert "Acepto que HARBOR-LIGHT comparta parte de mi información." in body
    assert "Mi firma" in body and "Fecha" in body
    assert "Firma de mi madre" not in body  # an adult: no guardian line
    assert "<nav" not in body  # nothing but the release on the paper
    assert "print.css" in body
    assert_audited(
        AuditEventType.PRINTED,
        object_type="sharing.release",
        object_id=release.pk,
        actor=people["harbor"],
        since=mark,
    )
    # another provider's advocate: not found, like any release not theirs
    other = client_for(people["newdawn"]).get(print_url)
    assert other.status_code == 404


def test_the_printed_revocation_notice_is_in_the_releases_language(people, provider_case, shipped):
    victim = provider_case.potentialvictims.get()
    release = _record(people, "harbor", victim, shipped["es"])
    harbor = client_for(people["harbor"])
    notice_url = reverse("sharing:revocation_notice_print", args=[release.pk])
    assert harbor.get(notice_url).status_code == 404  # not revoked: no notice yet
    consent_revoke(actor=people["harbor"], consent=release, reason="asked")
    body = harbor.get(notice_url).content.decode()
    assert (
        '<html lang="es">' in body and "<h1>Paré mi acuerdo para compartir información</h1>" in body
    )
    listing = harbor.get(reverse("sharing:victim_releases", args=[victim.pk])).content.decode()
    assert notice_url in listing


# --- a coordinator adds a language ------------------------------------------------------------

VIETNAMESE = {
    "language": "Vietnamese",
    "language_code": "vi",
    "text": (
        "Thỏa thuận chia sẻ thông tin\n\n"
        "Tôi đồng ý cho {provider} chia sẻ thông tin của tôi với {recipients}: {categories}. "
        "Thỏa thuận này kết thúc vào {date}."
    ),
    "revocation_notice": (
        "Tôi đã dừng thỏa thuận\n\nVào {date}, {provider} ngừng chia sẻ với {recipients}: "
        "{categories}."
    ),
    "category_identity": "tên và ngày sinh của tôi",
    "category_contact": "cách liên lạc với tôi",
    "category_location": "nơi tôi ở",
    "category_needs": "nhu cầu của tôi",
    "category_safety": "kế hoạch an toàn của tôi",
    "signature_label": "Chữ ký của tôi",
    "guardian_signature_label": "Chữ ký của cha mẹ hoặc người giám hộ",
    "date_label": "Ngày",
}


def test_a_coordinator_adds_a_language_from_the_page_and_advocates_record_in_it(
    people, provider_case, shipped
):
    coordinator = client_for(people["coordinator"])
    index = coordinator.get(reverse("sharing:wording"))
    assert index.status_code == 200 and "Spanish" in index.content.decode()
    mark = audit_mark()
    response = coordinator.post(reverse("sharing:wording_new"), VIETNAMESE)
    assert response.status_code == 302
    text = ConsentText.objects.get(language_code="vi")
    assert text.language == "Vietnamese" and text.version == "1"
    assert text.category_words["contact"] == "cách liên lạc với tôi"
    assert_audited(
        AuditEventType.CONSENT_TEXT_ADDED,
        object_type="sharing.consent_text",
        object_id=text.pk,
        actor=people["coordinator"],
        since=mark,
    )
    assert "Vietnamese" in coordinator.get(reverse("sharing:wording")).content.decode()

    victim = provider_case.potentialvictims.get()
    _set_victim_language(victim, "Vietnamese")
    page = client_for(people["harbor"]).get(reverse("sharing:release_new", args=[victim.pk]))
    assert "Tôi đồng ý cho HARBOR-LIGHT chia sẻ" in page.content.decode()
    release = _record(people, "harbor", victim, text)
    assert "HSI-RIVERTON: tên và ngày sinh của tôi; cách liên lạc với tôi." in release.text_shown


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"text": VIETNAMESE["text"] + " {victim_name}"}, "text", "{victim_name}"),
        (
            {"revocation_notice": "Vào {date}, {provider} ngừng: {categories}."},
            "revocation_notice",
            "Missing placeholder {recipients}",
        ),
        ({"text": "Tôi đồng ý {provider"}, "text", "not closed"),
        ({"language_code": "Vietnamese!"}, "language_code", "two or three letters"),
        ({"language": ""}, "language", "Name the language"),
        ({"category_safety": ""}, "category_safety", "Safety assessment and safety plan"),
        ({"date_label": ""}, "date_label", "Write this label"),
        ({"language_code": "es"}, "language_code", "belongs to Spanish"),
    ],
)
def test_bad_wording_is_refused_on_its_field_and_nothing_is_stored(
    people, shipped, changes, field, words
):
    coordinator = client_for(people["coordinator"])
    before = ConsentText.objects.count()
    response = coordinator.post(reverse("sharing:wording_new"), {**VIETNAMESE, **changes})
    assert response.status_code == 400
    form = response.context["form"]
    assert words in " ".join(form.errors.get(field, [])), form.errors
    assert ConsentText.objects.count() == before


def test_only_a_coordinator_adds_wording(people, shipped):
    entry = WordingInput(
        language="Vietnamese",
        language_code="vi",
        text=VIETNAMESE["text"],
        revocation_notice=VIETNAMESE["revocation_notice"],
        category_words={k[9:]: v for k, v in VIETNAMESE.items() if k.startswith("category_")},
        signature_label="Chữ ký",
        guardian_signature_label="Chữ ký",
        date_label="Ngày",
    )
    with pytest.raises(PermissionDenied):
        consent_text_add(actor=people["harbor"], entry=entry)
    assert client_for(people["harbor"]).get(reverse("sharing:wording")).status_code in (403, 404)
    assert consent_text_add(actor=people["coordinator"], entry=entry).language_code == "vi"
    with pytest.raises(ValidationError) as refused:
        consent_text_add(
            actor=people["coordinator"],
            entry=WordingInput(**{**entry.__dict__, "text": "no placeholders"}),
        )
    assert refused.value.data["field"] == "text"


def test_a_new_version_leaves_recorded_releases_with_the_text_they_were_shown(
    people, provider_case, shipped
):
    victim = provider_case.potentialvictims.get()
    first = _record(people, "harbor", victim, shipped["en"])
    coordinator = client_for(people["coordinator"])
    prefilled = coordinator.get(reverse("sharing:wording_new") + "?from=en")
    assert prefilled.context["form"].initial["text"] == shipped["en"].text
    changed = shipped["en"].text.replace("I can ask for a copy", "I can always ask for a copy")
    initial = dict(prefilled.context["form"].initial)
    response = coordinator.post(reverse("sharing:wording_new"), {**initial, "text": changed})
    assert response.status_code == 302
    newest = ConsentText.objects.filter(language_code="en").order_by("-pk").first()
    assert newest.version == "2" and "always ask" in newest.text
    first.refresh_from_db()
    assert "always ask" not in first.text_shown and first.consent_text == shipped["en"]
    page = client_for(people["harbor"]).get(reverse("sharing:release_new", args=[victim.pk]))
    assert "I can always ask for a copy" in page.content.decode()


def test_the_data_migration_gives_existing_task_forces_english_and_spanish(task_force):
    """Wording recorded before languages is kept (releases point at it) and the shipped
    English and Spanish are added beside it, as newer versions."""
    legacy = ConsentText.objects.create(
        task_force=task_force, version="1", language="English", text="(old) Harbor Light"
    )
    spanish = ConsentText.objects.create(
        task_force=task_force, version="old", language="Spanish", language_code="en", text="x"
    )
    migration = importlib.import_module("accord.sharing.migrations.0003_shipped_release_wording")
    migration.install(apps, None)
    installed = {
        text.language_code: text
        for text in ConsentText.objects.filter(task_force=task_force).exclude(
            pk__in=[legacy.pk, spanish.pk]
        )
    }
    assert set(installed) == {"en", "es"}
    assert installed["en"].version == "2" and installed["es"].version == "1"
    assert installed["es"].text == wording.SPANISH.release_text
    spanish.refresh_from_db()
    legacy.refresh_from_db()
    assert spanish.language_code == "es" and spanish.text == "x"  # code from its name
    assert legacy.text == "(old) Harbor Light"
    migration.install(apps, None)  # twice: nothing more
    assert ConsentText.objects.filter(task_force=task_force).count() == 4
