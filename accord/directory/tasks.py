"""Background work of the directory: HSDS imports too large for a web request."""

from __future__ import annotations

from django_tasks import task


@task()
def directory_import_job(import_id: int) -> str:
    """Background: run one queued HSDS import; returns its final status."""
    from .imports import directory_import_run

    run = directory_import_run(import_id=import_id)
    return run.status if run is not None else "not queued"
