"""The services an organization offers: create, edit (text, languages, areas, schedule)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accord.accounts.models import Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import PermissionDenied, ValidationError

from .. import hsds
from ..models import (
    Language,
    Organization,
    Schedule,
    Service,
    ServiceArea,
    ServiceStatus,
)
from ..selectors import (
    known_jurisdictions,
    schedule_notes_id,
    service_jurisdictions,
    service_languages,
)
from ..vocabulary import (
    CITIZENSHIP,
    GENDERS,
    SERVICE_TYPES,
    TRAFFICKING_TYPES,
    language_name,
    normalize_language,
    pack,
)
from ._common import _check_version, _require_maintainer
from .organizations import _clean_slug

SERVICE_TEXT_FIELDS = (
    "name",
    "description",
    "eligibility_description",
    "application_process",
    "interpretation_services",
    "alert",
)

#: Changes kept in child rows rather than on the service itself.
SERVICE_CHILD_CHANGES = ("languages", "jurisdictions", "schedule_notes")


def service_create(
    *, actor: User, organization: Organization, slug: str, changes: Mapping[str, Any]
) -> Service:
    """Add a service to an organization (coordinators); ``changes`` as for ``service_update``."""
    if not actor.has_role(Role.COORDINATOR) or actor.task_force_id != organization.task_force_id:
        raise PermissionDenied(_("Only coordinators of this task force add services."))
    _clean_slug(slug)
    fields, children = _clean_service_changes(changes, minimum_age=None, maximum_age=None)
    if not fields.get("name"):
        raise ValidationError(_("A service needs a name."), data={"field": "name"})
    task_force_id = organization.task_force_id
    if Service.objects.filter(task_force_id=task_force_id, slug=slug).exists():
        raise ValidationError(
            _("A service with id %(slug)s exists.") % {"slug": repr(slug)}, data={"field": "slug"}
        )
    try:
        with transaction.atomic():
            service = Service.objects.create(
                organization=organization,
                task_force_id=task_force_id,
                hsds_id=hsds.stable_id("service", slug),
                slug=slug,
                **fields,
            )
            written = _write_service_children(service, children)
            audit_record(
                event=AuditEventType.DIRECTORY_CHANGED,
                actor=actor,
                object_type="directory.service",
                object_id=service.pk,
                fields=["slug", *fields, *written],
                detail={"action": "create", "slug": slug, "organization": organization.slug},
            )
    except IntegrityError:
        raise ValidationError(
            _("A service with id %(slug)s exists.") % {"slug": repr(slug)}, data={"field": "slug"}
        ) from None
    return service


def service_update(
    *, actor: User, service: Service, expected_version: int, changes: Mapping[str, Any]
) -> Service:
    """Change a service's description, eligibility, languages, area, hours and status.

    ``changes`` may hold the text fields, ``status``, ``minimum_age``,
    ``maximum_age``, ``service_types``, ``genders``, ``citizenship``,
    ``trafficking_types`` (iterables of codes), ``is_24_7``, ``languages``
    (ISO 639 codes), ``jurisdictions`` (slugs) and ``schedule_notes`` (text).
    Only what differs from the stored entry is written and audited.
    """
    _require_maintainer(actor, service.organization)
    with transaction.atomic():
        current = Service.objects.select_for_update().get(pk=service.pk)
        _check_version(current, expected_version)
        clean, children = _clean_service_changes(
            changes, minimum_age=current.minimum_age, maximum_age=current.maximum_age
        )
        changed = [name for name, value in clean.items() if getattr(current, name) != value]
        for name in changed:
            setattr(current, name, clean[name])
        changed += _write_service_children(current, children)
        if not changed:
            return current
        current.version += 1
        model_fields = [name for name in changed if name in clean]
        current.save(update_fields=[*model_fields, "version", "updated_at"])
        audit_record(
            event=AuditEventType.DIRECTORY_CHANGED,
            actor=actor,
            object_type="directory.service",
            object_id=current.pk,
            fields=changed,
            detail={"action": "update", "slug": current.slug},
        )
    return current


def _clean_service_changes(
    changes: Mapping[str, Any], *, minimum_age: int | None, maximum_age: int | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate ``changes``: (fields of the service row, changes kept in child rows)."""
    clean: dict[str, Any] = {}
    children: dict[str, Any] = {}
    for name, value in changes.items():
        if name in SERVICE_TEXT_FIELDS:
            clean[name] = (value or "").strip()
            if name == "name" and not clean[name]:
                raise ValidationError(_("A service needs a name."), data={"field": "name"})
        elif name == "status":
            if value not in ServiceStatus.values:
                raise ValidationError(
                    _("Unknown status %(value)s.") % {"value": repr(value)},
                    data={"field": "status"},
                )
            clean[name] = value
        elif name in ("minimum_age", "maximum_age"):
            if value is not None and (int(value) < 0 or int(value) > 150):
                raise ValidationError(_("Ages run from 0 to 150."), data={"field": name})
            clean[name] = None if value is None else int(value)
        elif name in ("service_types", "genders", "citizenship", "trafficking_types"):
            allowed = {
                "service_types": SERVICE_TYPES,
                "genders": GENDERS,
                "citizenship": CITIZENSHIP,
                "trafficking_types": TRAFFICKING_TYPES,
            }[name]
            unknown = sorted(set(value) - set(allowed))
            if unknown:
                raise ValidationError(
                    _("Unknown %(replace)s: %(value)s.")
                    % {"replace": name.replace("_", " "), "value": ", ".join(unknown)},
                    data={"field": name},
                )
            clean[name] = pack(value)
        elif name == "is_24_7":
            clean[name] = bool(value)
        elif name == "languages":
            codes = {(code or "").strip() for code in value if (code or "").strip()}
            unknown = sorted(code for code in codes if normalize_language(code) is None)
            if unknown:
                raise ValidationError(
                    _("Not ISO 639 language codes: %(value)s.") % {"value": ", ".join(unknown)},
                    data={"field": "languages"},
                )
            children[name] = tuple(sorted({normalize_language(code) or "" for code in codes}))
        elif name == "jurisdictions":
            slugs = {(slug or "").strip() for slug in value if (slug or "").strip()}
            bad = sorted(slug for slug in slugs if slugify(slug) != slug or len(slug) > 60)
            if bad:
                raise ValidationError(
                    _("Jurisdiction ids use lowercase letters, digits and dashes: %(value)s.")
                    % {"value": ", ".join(bad)},
                    data={"field": "jurisdictions"},
                )
            children[name] = tuple(sorted(slugs))
        elif name == "schedule_notes":
            children[name] = (value or "").strip()
        else:
            raise ValidationError(
                _("%(name)s cannot be changed here.") % {"name": name}, data={"field": name}
            )
    low = clean.get("minimum_age", minimum_age)
    high = clean.get("maximum_age", maximum_age)
    if low is not None and high is not None and low > high:
        raise ValidationError(
            _("Inverted age range: minimum %(low)s is above maximum %(high)s.")
            % {"low": low, "high": high},
            data={"field": "minimum_age"},
        )
    return clean, children


def _write_service_children(service: Service, children: Mapping[str, Any]) -> list[str]:
    """Bring languages, service areas and the schedule note in line; the names that changed."""
    changed: list[str] = []
    if "languages" in children:
        wanted = set(children["languages"])
        if wanted != set(service_languages(service)):
            service.languages.exclude(code__in=wanted).delete()
            have = set(service.languages.values_list("code", flat=True))
            for code in sorted(wanted - have):
                Language.objects.create(
                    service=service,
                    hsds_id=hsds.stable_id("language", service.hsds_id, code),
                    code=code,
                    name=language_name(code) or "",
                )
            changed.append("languages")
    if "jurisdictions" in children:
        wanted = set(children["jurisdictions"])
        if wanted != set(service_jurisdictions(service)):
            service.service_areas.exclude(jurisdiction="").exclude(jurisdiction__in=wanted).delete()
            have = set(service.service_areas.values_list("jurisdiction", flat=True))
            names = known_jurisdictions(task_force_id=service.task_force_id)
            for slug in sorted(wanted - have):
                name = names.get(slug) or slug.replace("-", " ").title()
                ServiceArea.objects.create(
                    service=service,
                    hsds_id=hsds.stable_id("service_area", service.hsds_id, slug),
                    jurisdiction=slug,
                    name=name,
                    extent_type="text",
                    extent=name,
                )
            changed.append("jurisdictions")
    if "schedule_notes" in children:
        notes = children["schedule_notes"]
        row = service.schedules.filter(hsds_id=schedule_notes_id(service)).first()
        if row is not None and not notes:
            row.delete()
            changed.append("schedule_notes")
        elif row is None and notes:
            Schedule.objects.create(
                service=service, hsds_id=schedule_notes_id(service), description=notes
            )
            changed.append("schedule_notes")
        elif row is not None and row.description != notes:
            row.description = notes
            row.save(update_fields=["description"])
            changed.append("schedule_notes")
    return changed
