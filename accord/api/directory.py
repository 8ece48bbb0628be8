"""The directory search, each result with its explanation and the locations the caller may see.

Query parameters are checked by the page's own ``SearchForm`` (one set of rules);
locations reach the JSON only through ``location_views``, so a confidential
shelter's address, coordinates, phones and directions are absent for a caller
who may not see them, and each one disclosed is audited first (503 when the
audit cannot be written, S17).
"""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpRequest
from ninja import Router

from accord.directory.forms import SearchForm
from accord.directory.models import ServiceAtLocation
from accord.directory.search import SearchResult, directory_search
from accord.directory.selectors import LocationView, location_views
from accord.errors import ValidationError

from .schemas import AddressOut, Error, LocationOut, SearchOut, SearchResultOut, ServiceOut
from .security import for_members

router = Router(tags=["directory"])


def _location(view: LocationView) -> LocationOut:
    location = view.location
    if not view.visibility.visible:
        return LocationOut(
            id=location.pk,
            name="Confidential location",
            confidential=True,
            address_visible=False,
            reason=view.visibility.reason,
        )
    return LocationOut(
        id=location.pk,
        name=location.name or "Location",
        confidential=location.is_confidential,
        address_visible=True,
        reason=view.visibility.reason,
        addresses=[
            AddressOut(
                address_1=a.address_1,
                address_2=a.address_2,
                city=a.city,
                state_province=a.state_province,
                postal_code=a.postal_code,
                country=a.country,
            )
            for a in view.addresses
        ],
        phones=[str(phone) for phone in view.phones],
        transportation=location.transportation,
        latitude=location.latitude,
        longitude=location.longitude,
    )


def _locations_by_service(viewer: object, results: list[SearchResult]) -> dict[int, list]:
    links = list(
        ServiceAtLocation.objects.filter(service_id__in=[r.service.pk for r in results])
        .select_related("location__organization")
        .prefetch_related("location__addresses", "location__disclosures", "location__phones")
        .order_by("location__name", "pk")
    )
    views = location_views(
        viewer=viewer,  # type: ignore[arg-type]
        locations=[link.location for link in links],
        purpose="directory search API",
    )
    located: dict[int, list[LocationOut]] = defaultdict(list)
    for link, view in zip(links, views, strict=True):
        located[link.service_id].append(_location(view))
    return located


def _result(result: SearchResult, locations: list[LocationOut]) -> SearchResultOut:
    service = result.service
    return SearchResultOut(
        service=ServiceOut(
            id=service.pk,
            slug=service.slug,
            name=service.name,
            organization=service.organization.name,
            organization_id=service.organization_id,
            is_24_7=service.is_24_7,
            beds_available=service.beds_available,
            capacity_updated_at=service.capacity_updated_at,
        ),
        is_match=result.is_match,
        matched=list(result.matched),
        unmatched=list(result.unmatched),
        explanation=result.explanation,
        locations=locations,
    )


@router.get(
    "/directory/search",
    response={200: SearchOut, 400: Error, 422: Error},
    summary="Find services for a described person, with reasons",
)
@for_members()
def search(
    request: HttpRequest,
    q: str = "",
    service_type: str = "",
    language: str = "",
    age: int | None = None,
    gender: str = "",
    citizenship: str = "",
    trafficking_type: str = "",
    jurisdiction: str = "",
    open_now: bool = False,
    near_misses: bool = False,
) -> SearchOut:
    """Empty parameters mean "any"; ``near_misses`` adds services that fail some criterion, and why."""
    data = {
        "q": q,
        "service_type": service_type,
        "language": language,
        "age": "" if age is None else str(age),
        "gender": gender,
        "citizenship": citizenship,
        "trafficking_type": trafficking_type,
        "jurisdiction": jurisdiction,
    }
    if open_now:
        data["open_now"] = "on"
    if near_misses:
        data["near_misses"] = "on"
    form = SearchForm(data)
    if not form.is_valid():
        name, messages = next(iter(form.errors.items()))
        raise ValidationError(f"{name}: {' '.join(map(str, messages))}", data={"field": name})
    user = request.user
    outcome = directory_search(task_force_id=user.task_force_id, query=form.to_query())  # type: ignore[union-attr, arg-type]
    located = _locations_by_service(user, [*outcome.matches, *outcome.near_misses])
    return SearchOut(
        total=outcome.total,
        matches=[_result(r, located.get(r.service.pk, [])) for r in outcome.matches],
        near_misses=[_result(r, located.get(r.service.pk, [])) for r in outcome.near_misses],
    )
