"""Releasing one record: every classified field the viewer may see, and why not the rest."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from accord.core.model import FieldClass
from accord.sharing import policy

from .access import CaseAccess
from .registry import field_specs

__all__ = ["Released", "case_basic", "case_basic_fields", "release"]


@dataclass(frozen=True)
class Released:
    """One record as one viewer may see it: ``values`` released, ``withheld`` field -> reason,
    ``bases`` field -> what released it (sharing rule, release, own agency)."""

    kind: str
    id: int
    values: Mapping[str, Any]
    withheld: Mapping[str, str]
    refs: Mapping[str, Any] = field(default_factory=dict)
    bases: Mapping[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def _display(instance: models.Model, name: str) -> Any:
    model_field = instance._meta.get_field(name)
    if model_field.is_relation:
        related = getattr(instance, name)
        if related is None:
            return None
        if name == "protocol_version":
            return f"version {related.number}"
        return str(related)
    value = getattr(instance, name)
    if getattr(model_field, "choices", None) and value not in (None, ""):
        return getattr(instance, f"get_{name}_display")()
    return value


def record_context_of(access: CaseAccess, instance: models.Model) -> policy.RecordContext:
    """Provenance, victim and the victim's serving provider of one stored record."""
    model_name = instance._meta.model_name
    serving = getattr(instance, "serving_provider_id", None)
    victim_id: int | None = instance.pk if model_name == "potentialvictim" else None
    if victim_id is None and getattr(instance, "victim_id", None) is not None:
        victim_id = instance.victim_id  # type: ignore[attr-defined]
        if serving is None:
            serving = instance.victim.serving_provider_id  # type: ignore[attr-defined]
    return access.record_context(
        produced_by_id=getattr(instance, "produced_by_id", None),
        victim_id=victim_id,
        serving_provider_id=serving,
    )


def release(
    access: CaseAccess,
    instance: models.Model,
    *,
    disclosed: set[str] | None = None,
    class_override: FieldClass | str | None = None,
    only: Collection[str] | None = None,
) -> Released:
    """Release every classified field of ``instance`` the viewer may see; say why for the rest.

    A model the field registry does not classify releases nothing (fail closed). Field names
    above case-basic that are released are added to ``disclosed`` for the audit (S15).
    ``only`` limits the work to those fields (a board row showing a case's number does not
    read, decide or decrypt the rest); the others are neither released nor withheld."""
    model_name = str(instance._meta.model_name)
    specs = field_specs().get(model_name, {})
    if only is not None:
        specs = {name: spec for name, spec in specs.items() if name in only}
    values: dict[str, Any] = {}
    withheld: dict[str, str] = {}
    bases: dict[str, str] = {}
    record = record_context_of(access, instance)
    # this record's fields share few (class, category) pairs: ask the request's cache once each
    by_kind: dict[tuple[str, str], policy.Decision] = {}
    for name, spec in specs.items():
        field_class = str(class_override or spec.field_class)
        kind = (field_class, spec.category)
        decision = by_kind.get(kind)
        if decision is None:
            decision = by_kind[kind] = access.decide(record, policy.FieldSpec(*kind))
        if isinstance(decision, policy.Released):
            values[name] = _display(instance, name)
            bases[name] = decision.basis
            if disclosed is not None and field_class != FieldClass.CASE_BASIC:
                disclosed.add(f"{model_name}.{name}")
        else:
            withheld[name] = str(decision.reason)
    refs = {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.attname.endswith("_id")
        or f.name in ("lock_version", "opened_at", "created_at", "anchor_ref")
    }
    refs["id"] = instance.pk
    return Released(
        kind=model_name, id=instance.pk, values=values, withheld=withheld, refs=refs, bases=bases
    )


def case_basic_fields() -> tuple[str, ...]:
    return tuple(
        name
        for name, spec in field_specs()["case"].items()
        if spec.field_class == FieldClass.CASE_BASIC
    )


def case_basic(access: CaseAccess, case: models.Model, *, with_refs: bool = False) -> Released:
    """The case-basic fields of a case as this viewer may see them, nothing above that class."""
    released = release(access, case)
    shown = case_basic_fields()
    refs: dict[str, Any] = {"id": case.pk}
    if with_refs:
        refs |= {
            "lead_agency_id": case.lead_agency_id,  # type: ignore[attr-defined]
            "lock_version": case.lock_version,  # type: ignore[attr-defined]
        }
    return Released(
        kind="case",
        id=case.pk,
        values={k: v for k, v in released.values.items() if k in shown},
        withheld={k: v for k, v in released.withheld.items() if k in shown},
        refs=refs,
        bases={k: v for k, v in released.bases.items() if k in shown},
    )
