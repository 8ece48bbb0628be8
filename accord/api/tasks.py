"""Task boards (read door) and taking or completing a task (services), with S23 versions."""

from __future__ import annotations

from dataclasses import asdict

from django.http import HttpRequest
from ninja import Router

from accord.cases.services import task_complete, task_take
from accord.sharing.door import CASE_ROLES, TaskBoard, tasks_for_agency, tasks_for_user

from .schemas import Error, TaskActIn, TaskActOut, TaskBoardOut, TaskOut
from .security import for_members

router = Router(tags=["tasks"])
ROLES = tuple(sorted(CASE_ROLES))
WRITE_ERRORS = {400: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def _board(board: TaskBoard) -> TaskBoardOut:
    def rows(items: list) -> list[TaskOut]:
        out = []
        for row in items:
            data = asdict(row)
            data["version"] = data.pop("lock_version")
            out.append(TaskOut(**data))
        return out

    return TaskBoardOut(
        overdue=rows(board.overdue),
        due=rows(board.due),
        done=rows(board.done),
        next_after=board.next_after,
    )


@router.get(
    "/tasks/mine",
    response=TaskBoardOut,
    summary="Your tasks and your agency's open ones for your roles",
)
@for_members(*ROLES)
def tasks_mine(request: HttpRequest, after: str = "") -> TaskBoardOut:
    return _board(tasks_for_user(viewer=request.user, after=after))  # type: ignore[arg-type]


@router.get("/tasks/agency", response=TaskBoardOut, summary="Every task of your agency")
@for_members(*ROLES)
def tasks_agency(request: HttpRequest, after: str = "") -> TaskBoardOut:
    return _board(tasks_for_agency(viewer=request.user, after=after))  # type: ignore[arg-type]


@router.post(
    "/tasks/{task_id}/take",
    response={200: TaskActOut, **WRITE_ERRORS},
    summary="Take a task of your agency",
)
@for_members(*ROLES)
def task_take_op(request: HttpRequest, task_id: int, body: TaskActIn) -> TaskActOut:
    task = task_take(actor=request.user, task_id=task_id, expected_version=body.expected_version)  # type: ignore[arg-type]
    return TaskActOut(id=task.pk, status=task.get_status_display(), version=task.lock_version)


@router.post(
    "/tasks/{task_id}/complete",
    response={200: TaskActOut, **WRITE_ERRORS},
    summary="Complete a task you took (or your agency's untaken one)",
)
@for_members(*ROLES)
def task_complete_op(request: HttpRequest, task_id: int, body: TaskActIn) -> TaskActOut:
    task = task_complete(
        actor=request.user,  # type: ignore[arg-type]
        task_id=task_id,
        expected_version=body.expected_version,
    )
    return TaskActOut(id=task.pk, status=task.get_status_display(), version=task.lock_version)
