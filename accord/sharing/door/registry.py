"""What the door reads: the case models and their field classes, registered by the cases app.

The sharing app is the lower layer: the cases app (its services and pages), the API, reports
and boards all call the door, so the door cannot import the cases app back. Instead the cases
app registers, at start-up (``CasesConfig.ready``), the module holding its models and the field
registry classifying every stored field — as ``django.contrib.admin`` is told about models
rather than importing them. An unregistered door refuses to read (fail closed) and the system
check ``accord.sharing.E001`` stops the server from starting without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType
from typing import Any

from django.core.checks import CheckMessage, Error, register
from django.core.exceptions import ImproperlyConfigured

from accord.sharing.policy import FieldSpec

__all__ = ["case_models", "field_specs", "m", "model_for", "register_case_data"]

_registered: dict[str, Any] = {}


def register_case_data(
    *, models: ModuleType, fields: Mapping[str, Mapping[str, FieldSpec]]
) -> None:
    """Called once by the cases app: its models module and its field registry."""
    missing = [name for name in fields if not hasattr(models, _model_attr(models, name))]
    if missing:
        raise ImproperlyConfigured(f"Field registry names unknown case models: {missing}")
    _registered["models"] = models
    _registered["fields"] = fields


def _model_attr(models: ModuleType, lower_name: str) -> str:
    for attr in dir(models):
        if attr.lower() == lower_name:
            return attr
    return lower_name


class _CaseModels:
    """``m.Case``, ``m.Task``...: the registered models, resolved at call time."""

    def __getattr__(self, name: str) -> Any:
        models = _registered.get("models")
        if models is None:
            raise ImproperlyConfigured("The cases app has not registered its data with the door.")
        return getattr(models, name)


#: The registered case models (``m.Case.objects...`` inside the door).
m: Any = _CaseModels()


def case_models() -> Any:
    return m


def model_for(kind: str) -> Any:
    """The registered model of a field-registry kind (``"potentialvictim"``...)."""
    if kind not in field_specs():
        raise LookupError(kind)
    models = _registered["models"]
    return getattr(models, _model_attr(models, kind))


def field_specs() -> Mapping[str, Mapping[str, FieldSpec]]:
    """model name (lower case) -> field name -> class and category."""
    fields = _registered.get("fields")
    if fields is None:
        raise ImproperlyConfigured("The cases app has not registered its data with the door.")
    return fields


@register()
def door_registered(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if "models" in _registered:
        return []
    return [
        Error(
            "The read door has no case data registered.",
            hint="Add accord.cases to INSTALLED_APPS; its AppConfig.ready registers the models.",
            id="accord.sharing.E001",
        )
    ]
