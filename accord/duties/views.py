"""The coordinator's background duties page: each job's last run, next due, and the mail."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accord.accounts.access import member, member_user
from accord.accounts.models import Role
from accord.jobs.selectors import jobs_status, outbox_counts
from accord.mail import outbox_retry_given_up
from accord.zones import zone_of


@member(Role.COORDINATOR)
def status(request: HttpRequest) -> HttpResponse:
    user = member_user(request)
    return render(
        request,
        "jobs/status.html",
        {
            "jobs": jobs_status(),
            "mail": outbox_counts(),
            "zone": zone_of(user.agency.task_force) if user.agency else None,
        },
    )


@require_POST
@member(Role.COORDINATOR)
def mail_retry(request: HttpRequest) -> HttpResponse:
    count = outbox_retry_given_up(actor=member_user(request))
    messages.success(
        request,
        ngettext(
            "%(count)s e-mail will be sent again.", "%(count)s e-mails will be sent again.", count
        )
        % {"count": count}
        if count
        else _("No e-mail was waiting to be sent again."),
    )
    return redirect("jobs:status")
