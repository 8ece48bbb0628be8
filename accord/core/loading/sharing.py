"""Reading the sharing rules, refusing those that would break a legal constant."""

from __future__ import annotations

from accord.core.loading.base import LoaderBase
from accord.core.loading.yaml_nodes import Located
from accord.core.model import (
    Audience,
    FieldClass,
    Sector,
    SharingRule,
    Stage,
)

#: Sectors that may receive immigration-1367 records, and then only for
#: specially authorized users (``authorized_only: true``).
IMMIGRATION_1367_SECTORS = frozenset(
    {Sector.LAW_ENFORCEMENT_FEDERAL, Sector.PROSECUTION, Sector.LEGAL_SERVICES}
)


class SharingLoader(LoaderBase):
    """``sharing:``"""

    def sharing(self, where: Located | None) -> tuple[SharingRule, ...]:
        result: list[SharingRule] = []
        seen: dict[str, Located] = {}
        for index, node in enumerate(self.sequence(where, "sharing")):
            identifier = self.unique_id(node, seen, "sharing rule", index)
            if identifier is None:
                continue
            self.check_keys(
                node,
                (
                    "id",
                    "class",
                    "from",
                    "to",
                    "stages",
                    "audience",
                    "categories",
                    "requires_consent",
                    "authorized_only",
                    "note",
                ),
                f"sharing rule {identifier!r}",
            )
            spec = node.value
            class_node = spec.get("class")
            if class_node is None:
                self.issue(
                    node,
                    f"sharing rule {identifier!r} names no field class",
                    expected="class: " + " | ".join(c.value for c in FieldClass),
                )
                continue
            field_class = self.choice(class_node, FieldClass, "field class")
            from_sectors = self.sector_set(spec.get("from"), node, "from")
            to_sectors = self.sector_set(spec.get("to"), node, "to")
            stages_node = spec.get("stages")
            stages: set[Stage] = set()
            if stages_node is None:
                self.issue(
                    node,
                    f"sharing rule {identifier!r} names no stages",
                    expected="stages: [referral, investigation, prosecution, closed]",
                )
            for name, stage_node in self.names(stages_node, "stages"):
                if name == "all":
                    stages.update(Stage)
                    continue
                stage = self.choice(stage_node, Stage, "stage")
                if stage is not None:
                    stages.add(stage)
            audience = Audience.CASE_MEMBERS
            if spec.get("audience") is not None:
                audience = (
                    self.choice(spec["audience"], Audience, "audience") or Audience.CASE_MEMBERS
                )
            requires_consent = self.boolean(spec.get("requires_consent"), "requires_consent")
            authorized_only = self.boolean(spec.get("authorized_only"), "authorized_only")
            if field_class is None:
                continue
            if field_class is FieldClass.NEVER_SHARED:
                self.issue(
                    class_node,
                    f"sharing rule {identifier!r} would release never-shared data (grand jury, tax, wiretap)",
                    expected="no sharing rule for never-shared: it stays with the producing agency",
                )
                continue
            if field_class is FieldClass.PRIVILEGED:
                self.issue(
                    class_node,
                    f"sharing rule {identifier!r} would release privileged advocate notes "
                    "(counseling and case management)",
                    expected="no sharing rule for vsp-privileged: it stays with the producing "
                    "provider's advocates, whatever the release",
                )
                continue
            others = (
                to_sectors - {Sector.VICTIM_SERVICES}
                if Sector.VICTIM_SERVICES in from_sectors
                else frozenset()
            )
            if (
                field_class is FieldClass.VSP_CONFIDENTIAL
                and not requires_consent
                and (
                    others
                    or audience is not Audience.SERVING_PROVIDER
                    or from_sectors != {Sector.VICTIM_SERVICES}
                )
            ):
                self.issue(
                    spec.get("requires_consent", class_node),
                    f"sharing rule {identifier!r} would release victim-service data without the victim's consent",
                    expected="requires_consent: true",
                )
                continue
            if field_class is FieldClass.IMMIGRATION_1367:
                outside = to_sectors - IMMIGRATION_1367_SECTORS
                if outside or not authorized_only:
                    self.issue(
                        class_node,
                        f"sharing rule {identifier!r} would release immigration-1367 records"
                        + (
                            f" to {', '.join(sorted(s.value for s in outside))}"
                            if outside
                            else " to users not specially authorized"
                        ),
                        expected="to: only law_enforcement_federal, prosecution, legal_services, with authorized_only: true",
                    )
                    continue
            result.append(
                SharingRule(
                    id=identifier,
                    field_class=field_class,
                    from_sectors=from_sectors,
                    to_sectors=to_sectors,
                    stages=frozenset(stages),
                    audience=audience,
                    categories=frozenset(
                        name for name, _ in self.names(spec.get("categories"), "categories")
                    ),
                    requires_consent=requires_consent,
                    authorized_only=authorized_only,
                    note=self.text(spec.get("note"), "note").strip(),
                    span=self.span(node),
                )
            )
        return tuple(result)

    def sector_set(self, where: Located | None, parent: Located, what: str) -> frozenset[Sector]:
        if where is None:
            self.issue(
                parent, f"sharing rule names no {what}: sectors", expected=f"{what}: [sector, ...]"
            )
            return frozenset()
        sectors: set[Sector] = set()
        for name, node in self.names(where, what):
            if name == "all":
                sectors.update(Sector)
                continue
            sector = self.choice(node, Sector, "sector")
            if sector is not None:
                sectors.add(sector)
        return frozenset(sectors)
