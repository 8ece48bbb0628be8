"""Reads of protocol versions (not case data: protocols are shared by the whole task force)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accord.accounts.models import Agency, TaskForce, User
from accord.errors import NotFound

from .models import AcceptedRisk, DrillScenario, ProtocolStatus, ProtocolVersion, SignOff
from .verification import VersionReport, build_report


def protocol_in_force(*, task_force: TaskForce) -> ProtocolVersion | None:
    """The version in force for ``task_force``, or None before the first sign-off completes."""
    return ProtocolVersion.objects.filter(
        task_force=task_force, status=ProtocolStatus.IN_FORCE
    ).first()


def protocol_versions(*, task_force: TaskForce) -> QuerySet[ProtocolVersion]:
    return ProtocolVersion.objects.filter(task_force=task_force).order_by("-number")


def version_get(*, viewer: User, number: int) -> ProtocolVersion:
    """Version ``number`` of the viewer's task force; another task force's is NotFound (S8)."""
    version = (
        ProtocolVersion.objects.select_related("task_force", "based_on", "created_by")
        .filter(task_force_id=viewer.task_force_id, number=number)
        .first()
    )
    if version is None:
        raise NotFound(_("No such protocol version."))
    return version


def version_for_task_force(*, task_force: TaskForce, number: int | None) -> ProtocolVersion:
    """For the command line: version ``number``, or the one in force when None."""
    if number is None:
        version = protocol_in_force(task_force=task_force)
    else:
        version = ProtocolVersion.objects.filter(task_force=task_force, number=number).first()
    if version is None:
        raise NotFound(
            _("No protocol version %(number)s for %(slug)s.")
            % {"number": number, "slug": task_force.slug}
            if number is not None
            else _("No version is in force for %(slug)s.") % {"slug": task_force.slug}
        )
    return version


def accepted_risks(*, version: ProtocolVersion) -> dict[str, str]:
    return dict(AcceptedRisk.objects.filter(version=version).values_list("finding_key", "note"))


def version_report(*, version: ProtocolVersion, with_directory: bool = True) -> VersionReport:
    """The verification report of ``version`` with directory cross-checks and accepted risks."""
    return build_report(
        protocol=version.protocol,
        digest=version.text_digest,
        task_force=version.task_force,
        accepted=accepted_risks(version=version),
        with_directory=with_directory,
    )


def diff_base(*, version: ProtocolVersion) -> ProtocolVersion | None:
    """What a version is compared with: the version in force (when it is another), else
    the version it was based on."""
    current = protocol_in_force(task_force=version.task_force)
    if current is not None and current.pk != version.pk:
        return current
    if version.based_on_id and version.based_on_id != version.pk:
        return version.based_on
    return None


@dataclass(frozen=True)
class SignOffRow:
    agency: Agency
    sign_off: SignOff | None

    @property
    def approved(self) -> bool:
        return self.sign_off is not None and self.sign_off.decision == "approve"

    @property
    def objected(self) -> bool:
        return self.sign_off is not None and self.sign_off.decision == "object"


@dataclass(frozen=True)
class SignOffStatus:
    rows: tuple[SignOffRow, ...]

    @property
    def all_approved(self) -> bool:
        return bool(self.rows) and all(row.approved for row in self.rows)

    @property
    def approved_count(self) -> int:
        return sum(1 for row in self.rows if row.approved)

    @property
    def objections(self) -> tuple[SignOffRow, ...]:
        return tuple(row for row in self.rows if row.objected)


def sign_off_status(*, version: ProtocolVersion) -> SignOffStatus:
    """One row per active member agency of the task force, with its decision if any.

    For versions no longer circulating, agencies that signed but have since left
    are still listed (the record of who agreed stays readable).
    """
    sign_offs = {
        sign_off.agency_id: sign_off
        for sign_off in SignOff.objects.filter(version=version).select_related(
            "agency", "signatory"
        )
    }
    agencies = list(Agency.objects.filter(task_force_id=version.task_force_id, is_active=True))
    listed = {agency.pk for agency in agencies}
    if version.status != ProtocolStatus.CIRCULATED:
        agencies.extend(s.agency for s in sign_offs.values() if s.agency_id not in listed)
    return SignOffStatus(
        rows=tuple(
            SignOffRow(agency=agency, sign_off=sign_offs.get(agency.pk))
            for agency in sorted(agencies, key=lambda a: a.name)
        )
    )


def signatures(*, version: ProtocolVersion) -> list[SignOff]:
    """Approvals of a version (for the handbook's title page)."""
    return list(
        SignOff.objects.filter(version=version, decision="approve")
        .select_related("agency", "signatory")
        .order_by("agency__name")
    )


def awaiting_sign_off(*, user: User) -> QuerySet[ProtocolVersion]:
    """Circulated versions of the user's task force (the signatory's to-do list)."""
    return ProtocolVersion.objects.filter(
        task_force_id=user.task_force_id, status=ProtocolStatus.CIRCULATED
    ).order_by("-number")


def drill_scenarios(*, task_force_id: int) -> QuerySet[DrillScenario]:
    return DrillScenario.objects.filter(task_force_id=task_force_id).order_by("name")


def referenced_organizations(task_force: TaskForce) -> list[str]:
    """Organization ids the version in force names (the directory's upkeep uses this)."""
    version = protocol_in_force(task_force=task_force)
    if version is None:
        return []
    protocol = version.protocol
    ids = set()
    for reference in protocol.directory.values():
        if reference.kind == "organization":
            ids.add(reference.id)
        elif reference.organization:
            ids.add(reference.organization)
    return sorted(ids)
