"""Evaluate facts against the protocol in force of the caller's task force (no case is stored)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from accord.core.evaluate import evaluate_protocol
from accord.errors import NotFound
from accord.protocols.selectors import protocol_in_force

from .schemas import Error, EvaluateIn, EvaluationOut
from .security import for_members

router = Router(tags=["protocol"])


@router.post(
    "/protocol/evaluate",
    response={200: EvaluationOut, 400: Error, 404: Error, 422: Error},
    summary="Answer every decision of the protocol in force for these facts",
)
@for_members()
def evaluate(request: HttpRequest, body: EvaluateIn) -> dict[str, object]:
    """A fact outside its factor's domain (or naming no factor) is refused 400, naming it."""
    version = protocol_in_force(task_force=request.user.agency.task_force)  # type: ignore[union-attr]
    if version is None:
        raise NotFound(
            _("Your task force has no protocol in force yet."), code="no_protocol_in_force"
        )
    evaluation = evaluate_protocol(version.protocol, body.facts)
    return {"protocol_version": version.number, **evaluation.to_json()}
