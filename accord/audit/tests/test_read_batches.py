"""Record reads stored pending without the chain's lock and sealed in Merkle batches (issue #15).

Each protection is played as an attack (triggers lifted, as in ``test_attacks``) and must be
found by ``verify``: a pending read edited or deleted, a sealed read edited, deleted, moved or
reordered, a whole batch's reads deleted. The sequencer seals every read exactly once, also
when two run at once; the trail page shows reads whether pending or sealed.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.audit.batches import audit_batches_seal, batch_detail
from accord.audit.chain import READ_FIELDS, read_entry
from accord.audit.events import AuditEventType
from accord.audit.merkle import (
    inclusion_proof,
    leaf_hash,
    merkle_root,
    root_from_leaves,
    verify_inclusion,
)
from accord.audit.models import AuditEvent, AuditReadCounter, AuditReadEvent
from accord.audit.services import audit_record
from accord.audit.tests.test_attacks import _around_triggers
from accord.audit.verify import verify_chain

NORTH = 7


def _reads(count: int, *, task_force: int | None = NORTH) -> list[AuditReadEvent]:
    return [
        audit_record(  # type: ignore[misc]
            event=AuditEventType.RECORD_READ,
            username=f"reader{n}",
            object_type="cases.case",
            object_id=n,
            fields=["potentialvictim.legal_name"],
            purpose="case page",
            task_force_id=task_force,
        )
        for n in range(1, count + 1)
    ]


def _sealing_events(chain: int = NORTH) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(chain=chain, event=AuditEventType.AUDIT_BATCH_SEALED).order_by(
            "chain_seq"
        )
    )


def _update(model: type, where: dict, **values: object) -> None:
    with _around_triggers():
        model.objects.filter(**where).update(**values)


def _delete(model: type, **where: object) -> None:
    with _around_triggers():
        model.objects.filter(**where).delete()


@pytest.mark.django_db
def test_a_read_is_stored_pending_keyed_and_leaves_the_chain_alone():
    read = _reads(1)[0]
    assert isinstance(read, AuditReadEvent) and read.batch is None and len(read.mac) == 64
    assert not AuditEvent.objects.filter(chain=NORTH).exists()  # no chain head taken
    report = verify_chain()
    assert report.ok, report
    assert report.reads_checked == 1


@pytest.mark.django_db
def test_the_sequencer_seals_pending_reads_with_one_chain_event_carrying_the_root():
    _reads(5)
    result = audit_batches_seal()
    assert (result.batches, result.reads) == (1, 5)
    [sealed] = _sealing_events()
    rows = list(AuditReadEvent.objects.filter(chain=NORTH).order_by("seq"))
    assert [row.batch for row in rows] == [sealed.chain_seq] * 5
    assert [row.leaf_index for row in rows] == [0, 1, 2, 3, 4]
    entries = [read_entry([getattr(row, name) for name in READ_FIELDS]) for row in rows]
    assert sealed.detail["root"] == merkle_root(entries).hex()
    assert sealed.detail["count"] == 5
    assert audit_batches_seal().reads == 0  # nothing sealed twice
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_backlog_is_sealed_in_several_batches(monkeypatch):
    monkeypatch.setattr("accord.audit.batches.BATCH_LIMIT", 3)
    _reads(7)
    assert audit_batches_seal().batches == 3
    assert [event.detail["count"] for event in _sealing_events()] == [3, 3, 1]
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_periodic_job_is_registered_and_seals():
    from accord.jobs.registry import job_named

    _reads(2)
    assert job_named("audit.seal_reads").run(timezone_now()) == ("2 record reads sealed in 1 batch")


def timezone_now():
    from django.utils import timezone

    return timezone.now()


# --- tampering -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_edited_pending_read_is_caught_by_its_mac():
    reads = _reads(3)
    _update(AuditReadEvent, {"pk": reads[1].pk}, actor_username="someone-else")
    report = verify_chain()
    assert not report.ok and "MAC" in report.problem


@pytest.mark.django_db(transaction=True)
def test_a_deleted_pending_read_is_a_gap_in_its_lane():
    reads = _reads(6)
    _delete(AuditReadEvent, pk=reads[2].pk)
    report = verify_chain()
    assert not report.ok and "missing (deleted before it was sealed)" in report.problem


@pytest.mark.django_db(transaction=True)
def test_the_last_pending_read_deleted_is_caught_by_the_lanes_counter():
    reads = _reads(1)
    _delete(AuditReadEvent, pk=reads[0].pk)
    assert not verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_deleted_lane_counter_is_caught():
    _reads(2)
    _delete(AuditReadCounter, chain=NORTH)
    report = verify_chain()
    assert not report.ok and "no counter" in report.problem


@pytest.mark.django_db(transaction=True)
def test_an_edited_sealed_read_is_caught():
    reads = _reads(4)
    audit_batches_seal()
    _update(AuditReadEvent, {"pk": reads[0].pk}, purpose="nothing to see")
    assert not verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_sealed_read_edited_with_a_fresh_mac_still_breaks_the_root(monkeypatch):
    """Even a holder of the MAC key (not of the chain) cannot change a sealed entry: the root in
    the chain covers it. Here the MAC is recomputed with the real key to isolate the root."""
    from accord.audit.chain import read_mac
    from accord.audit.services import audit_key

    reads = _reads(4)
    audit_batches_seal()
    row = AuditReadEvent.objects.get(pk=reads[2].pk)
    row.purpose = "edited"
    entry = read_entry([getattr(row, name) for name in READ_FIELDS])
    _update(AuditReadEvent, {"pk": row.pk}, purpose="edited", mac=read_mac(audit_key(), entry))
    report = verify_chain()
    assert not report.ok and "Merkle root" in report.problem


@pytest.mark.django_db(transaction=True)
def test_a_deleted_sealed_read_is_caught_by_the_batch_count():
    reads = _reads(4)
    audit_batches_seal()
    _delete(AuditReadEvent, pk=reads[3].pk)
    report = verify_chain()
    assert not report.ok and "sealed 4 record reads but 3" in report.problem


@pytest.mark.django_db(transaction=True)
def test_a_whole_batch_of_reads_deleted_is_caught():
    _reads(3)
    audit_batches_seal()
    _delete(AuditReadEvent, chain=NORTH)
    report = verify_chain()
    assert not report.ok and "gone (deleted)" in report.problem


@pytest.mark.django_db(transaction=True)
def test_reordered_sealed_reads_are_caught():
    reads = _reads(3)
    audit_batches_seal()
    _update(AuditReadEvent, {"pk": reads[0].pk}, leaf_index=99)
    _update(AuditReadEvent, {"pk": reads[1].pk}, leaf_index=0)
    _update(AuditReadEvent, {"pk": reads[0].pk}, leaf_index=1)
    report = verify_chain()
    assert not report.ok and "Merkle root" in report.problem


@pytest.mark.django_db(transaction=True)
def test_a_sealed_read_moved_back_to_pending_is_caught():
    reads = _reads(3)
    audit_batches_seal()
    _update(AuditReadEvent, {"pk": reads[2].pk}, batch=None, leaf_index=None)
    assert not verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_delete_or_reseal_a_read():
    from django.db import DatabaseError, transaction

    reads = _reads(2)
    audit_batches_seal()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditReadEvent.objects.filter(pk=reads[0].pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditReadEvent.objects.filter(pk=reads[0].pk).update(batch=99)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditReadCounter.objects.filter(chain=NORTH).update(last=0)
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_old_pending_read_is_a_warning_not_a_break():
    from django.utils import timezone

    read = _reads(1)[0]
    later = timezone.now() + timedelta(minutes=25)
    from unittest import mock

    with mock.patch("accord.audit.verify.timezone.now", return_value=later):
        report = verify_chain()
    assert report.ok
    assert any("waited 25 minutes" in note for note in report.notes), report.notes
    assert read.batch is None


# --- the sequencer runs exactly once ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sequencers_at_once_seal_every_read_exactly_once():
    """Two runners claim the job at the same moment: the lease lets one run; and even run by
    hand at once, the chain head's lock makes the second find nothing left to seal."""
    from accord.jobs.services import jobs_run_due

    _reads(8)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def runner(name: str) -> None:
        try:
            barrier.wait()
            results.extend(r for r in jobs_run_due(holder=name) if r.name == "audit.seal_reads")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(f"runner-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 1  # one claim won
    assert not AuditReadEvent.objects.filter(batch__isnull=True).exists()
    assert len(_sealing_events()) == 1
    # By hand, twice in a row (as two cron entries would): the second seals nothing.
    _reads(2)
    assert (audit_batches_seal().reads, audit_batches_seal().reads) == (2, 0)
    assert verify_chain().ok


# --- readers see reads immediately ------------------------------------------------------------


@pytest.mark.django_db
def test_the_trail_page_and_csv_show_pending_and_sealed_reads(django_user_model, settings):
    from accord.audit.selectors import AuditFilter, audit_events_for_agency

    audit_record(
        event=AuditEventType.RECORD_READ, username="early", subject_agency_id=3, object_id=1
    )
    audit_batches_seal()
    audit_record(
        event=AuditEventType.RECORD_READ, username="late", subject_agency_id=3, object_id=2
    )
    audit_record(event=AuditEventType.RECORD_UPDATED, username="writer", subject_agency_id=3)
    rows = list(audit_events_for_agency(agency_id=3, filters=AuditFilter()))
    assert [row["actor_username"] for row in rows] == ["writer", "late", "early"]
    only_reads = audit_events_for_agency(agency_id=3, filters=AuditFilter(event="record_read"))
    assert only_reads.count() == 2


# --- Merkle trees -----------------------------------------------------------------------------


@given(entries=st.lists(st.binary(max_size=40), min_size=1, max_size=40), data=st.data())
@settings(max_examples=60, deadline=None)
def test_every_entrys_inclusion_proof_verifies_and_a_changed_entry_does_not(entries, data):
    leaves = [leaf_hash(entry) for entry in entries]
    root = root_from_leaves(leaves)
    index = data.draw(st.integers(min_value=0, max_value=len(entries) - 1))
    proof = inclusion_proof(leaves, index)
    size = len(leaves)
    assert verify_inclusion(leaf=leaves[index], index=index, size=size, proof=proof, root=root)
    changed = leaf_hash(entries[index] + b"!")
    assert not verify_inclusion(leaf=changed, index=index, size=size, proof=proof, root=root)
    if size > 1:  # the same leaf does not prove another place
        other = (index + 1) % size
        if leaves[other] != leaves[index]:
            assert not verify_inclusion(
                leaf=leaves[index], index=other, size=size, proof=proof, root=root
            )


def test_the_root_is_rfc_6962s():
    """RFC 6962's definition, recursively, against the bottom-up computation."""
    import hashlib

    def mth(entries: list[bytes]) -> bytes:
        if not entries:
            return hashlib.sha256(b"").digest()
        if len(entries) == 1:
            return hashlib.sha256(b"\x00" + entries[0]).digest()
        k = 1 << ((len(entries) - 1).bit_length() - 1)
        return hashlib.sha256(b"\x01" + mth(entries[:k]) + mth(entries[k:])).digest()

    for n in range(0, 20):
        entries = [bytes([i]) for i in range(n)]
        assert merkle_root(entries) == mth(entries)


@pytest.mark.django_db
def test_the_batch_detail_names_each_lanes_range():
    reads = _reads(6)
    detail = batch_detail([[getattr(r, name) for name in READ_FIELDS] for r in reads])
    lanes: dict[str, list[int]] = {}
    for read in reads:
        lanes.setdefault(str(read.lane), []).append(read.lane_seq)
    assert detail["lanes"] == {lane: [min(n), max(n)] for lane, n in sorted(lanes.items())}
    assert detail["count"] == 6


# --- PostgreSQL: readers do not wait on the chain head -----------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_readers_do_not_wait_for_a_writer_holding_the_chain_head():
    """A writer holds the task force's chain head (its transaction open): 20 readers of that
    task force record their reads meanwhile, none waiting for it."""
    from django.db import transaction

    audit_record(event=AuditEventType.RECORD_UPDATED, username="w", task_force_id=NORTH)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        try:
            with transaction.atomic():
                audit_record(event=AuditEventType.RECORD_UPDATED, username="w", task_force_id=NORTH)
                holding.set()
                release.wait(30)
        finally:
            connections.close_all()

    done: list[int] = []

    def reader(n: int) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '2s'")
            _reads(1)
            done.append(n)
        finally:
            connections.close_all()

    holder = threading.Thread(target=writer)
    holder.start()
    assert holding.wait(10)
    readers = [threading.Thread(target=reader, args=(n,)) for n in range(20)]
    for thread in readers:
        thread.start()
    for thread in readers:
        thread.join(20)
    finished = len(done)
    release.set()
    holder.join()
    assert finished == 20  # every reader recorded while the head was held
    audit_batches_seal()
    assert verify_chain().ok


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_chains_verified_in_parallel_processes_find_what_one_process_finds():
    for task_force in (NORTH, NORTH + 1, NORTH + 2):
        _reads(3, task_force=task_force)
        audit_record(event=AuditEventType.RECORD_UPDATED, username="w", task_force_id=task_force)
    audit_batches_seal()
    _reads(2, task_force=NORTH + 1)  # pending
    single, parallel = verify_chain(jobs=1), verify_chain(jobs=3)
    assert single.ok and parallel.ok, (single, parallel)
    assert (parallel.events_checked, parallel.reads_checked, parallel.ends) == (
        single.events_checked,
        single.reads_checked,
        single.ends,
    )
    victim = AuditReadEvent.objects.filter(chain=NORTH + 2).first()
    assert victim is not None
    _update(AuditReadEvent, {"pk": victim.pk}, purpose="edited")
    report = verify_chain(jobs=3)
    assert not report.ok and report.broken_chain == NORTH + 2 and "MAC" in report.problem
