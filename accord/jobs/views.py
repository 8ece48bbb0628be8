"""The coordinator's background duties page: each job's last run, next due, and the mail."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accord.accounts.models import Role
from accord.sharing import door
from accord.web.access import member, member_user

from .selectors import jobs_status, outbox_counts


@member(Role.COORDINATOR)
def status(request: HttpRequest) -> HttpResponse:
    user = member_user(request)
    return render(
        request,
        "jobs/status.html",
        {
            "jobs": jobs_status(),
            "mail": outbox_counts(),
            "zone": door.local_zone(user.agency.task_force) if user.agency else None,
        },
    )
