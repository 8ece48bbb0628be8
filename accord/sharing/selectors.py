"""Reads of releases, for the door and for the release pages.

Releases are read as ``ConsentView`` value objects for the policy: one query
for every victim on a page (recipients prefetched), never one per field.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .models import Release
from .policy import ConsentView


def consent_views_for(
    *, task_force_id: int, victim_ids: Iterable[int]
) -> Mapping[int, tuple[ConsentView, ...]]:
    """Every release (in effect or not: the policy says which) of the given victims.

    One query, reading only the columns the policy needs: encrypted columns (purpose,
    names) are never decrypted on the read path.
    """
    ids = sorted(set(victim_ids))
    if not ids:
        return {}
    rows = Release.objects.filter(task_force_id=task_force_id, victim_id__in=ids).values_list(
        "pk",
        "victim_id",
        "produced_by_id",
        "categories",
        "starts_at",
        "expires_at",
        "revoked_at",
        "victim_is_minor",
        "guardian_attested_non_abusive",
        "guardian_signed_at",
        "recipients",
    )
    releases: dict[int, dict] = {}
    for (
        pk,
        victim,
        producer,
        categories,
        starts,
        expires,
        revoked,
        minor,
        attested,
        g_signed,
        recipient,
    ) in rows:
        entry = releases.setdefault(
            pk,
            {
                "id": pk,
                "victim_id": victim,
                "produced_by_agency_id": producer,
                "categories": frozenset(categories or ()),
                "starts_at": starts,
                "expires_at": expires,
                "revoked_at": revoked,
                "signers_complete": not minor or bool(attested and g_signed),
                "recipient_agency_ids": set(),
            },
        )
        if recipient is not None:
            entry["recipient_agency_ids"].add(recipient)
    by_victim: dict[int, list[ConsentView]] = defaultdict(list)
    for entry in releases.values():
        entry["recipient_agency_ids"] = frozenset(entry["recipient_agency_ids"])
        by_victim[entry["victim_id"]].append(ConsentView(**entry))
    return {victim: tuple(views) for victim, views in by_victim.items()}
