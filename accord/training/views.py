"""Training pages: catalog, sessions, attendance, compliance, calendar files, materials.

Thin views: parse, call one service or selector, render. Refused input re-renders
the form with what was typed (S24). Other task forces' objects answer 404 (S8).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accord.accounts.access import member
from accord.accounts.models import Agency, Role, User
from accord.audit.events import AuditEventType
from accord.audit.services import audit_record
from accord.errors import NotFound
from accord.errors import ValidationError as AccordValidationError

from . import selectors, services
from .forms import AttendanceForm, CourseForm, MaterialForm, RegisterOtherForm, SessionForm
from .ical import sessions_calendar
from .models import CourseMaterial
from .uploads import CONTENT_TYPES


def _form_error(form, error: AccordValidationError) -> None:
    field = error.data.get("field")
    form.add_error(field if field in form.fields else None, error.message)


def _task_force(request: HttpRequest):
    return request.user.agency.task_force  # type: ignore[union-attr]


@member()
def index(request: HttpRequest) -> HttpResponse:
    task_force = _task_force(request)
    now = timezone.now()
    return render(
        request,
        "training/index.html",
        {
            "courses": selectors.courses(task_force=task_force),
            "upcoming": selectors.sessions_upcoming(task_force=task_force, now=now),
            "past": selectors.sessions(task_force=task_force)
            .filter(ends_at__lt=now)
            .reverse()[:20],
            "is_coordinator": request.user.has_role(Role.COORDINATOR),  # type: ignore[union-attr]
        },
    )


@member(Role.COORDINATOR)
def course_new(request: HttpRequest) -> HttpResponse:
    form = CourseForm(request.POST or None, task_force=_task_force(request))
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except AccordValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request, _("“%(title)s” added to the catalog.") % {"title": course.title}
            )
            return redirect("training:course", pk=course.pk)
    return render(
        request, "training/course_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _course_page(request: HttpRequest, course, material_form=None, status: int = 200):
    return render(
        request,
        "training/course.html",
        {
            "course": course,
            "sessions": selectors.sessions(task_force=course.task_force).filter(course=course),
            "material_form": material_form or MaterialForm(),
            "is_coordinator": request.user.has_role(Role.COORDINATOR),  # type: ignore[union-attr]
        },
        status=status,
    )


@member()
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _course_page(request, selectors.course_for_viewer(viewer=request.user, pk=pk))  # type: ignore[arg-type]


@member(Role.COORDINATOR)
def material_upload(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if request.method != "POST":
        return redirect("training:course", pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            material = services.material_upload(
                actor=request.user,  # type: ignore[arg-type]
                course=course,
                upload=form.cleaned_data["file"],
            )
        except AccordValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("“%(original_name)s” attached.") % {"original_name": material.original_name},
            )
            return redirect("training:course", pk=pk)
    return _course_page(request, course, material_form=form, status=400)


@member()
def material_download(request: HttpRequest, pk: int) -> FileResponse:
    material = (
        CourseMaterial.objects.select_related("course")
        .filter(pk=pk, course__task_force_id=request.user.agency.task_force_id)  # type: ignore[union-attr]
        .first()
    )
    if material is None:
        raise NotFound(gettext("No such file."))
    try:
        handle = material.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("The file is no longer stored.") from missing
    audit_record(
        event=AuditEventType.TRAINING_MATERIAL_DOWNLOADED,
        actor=request.user,  # type: ignore[arg-type]
        object_type="training.material",
        object_id=material.pk,
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=material.original_name,
        content_type=CONTENT_TYPES.get(material.kind, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member(Role.COORDINATOR)
def session_new(request: HttpRequest) -> HttpResponse:
    form = SessionForm(request.POST or None, task_force=_task_force(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                actor=request.user,  # type: ignore[arg-type]
                course=data["course"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                place=data["place"],
                online_url=data["online_url"],
                trainers=list(data["trainers"]),
                trainer_names=data["trainer_names"],
                capacity=data["capacity"],
                attendees=list(data["attendees"]),
            )
        except AccordValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Session scheduled."))
            return redirect("training:session", pk=session.pk)
    return render(
        request, "training/session_new.html", {"form": form}, status=400 if form.errors else 200
    )


def _session_page(request: HttpRequest, session, status: int = 200, **forms):
    viewer = request.user
    now = timezone.now()
    registered = session.attendances.filter(user=viewer).first()
    may_record = selectors.may_record_attendance(viewer=viewer, session=session)  # type: ignore[arg-type]
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "attendances": session.attendances.select_related("user__agency"),
            "started": session.starts_at <= now,
            "my_attendance": registered,
            "may_record": may_record,
            "is_coordinator": viewer.has_role(Role.COORDINATOR),  # type: ignore[union-attr]
            "attendance_form": forms.get("attendance_form") or AttendanceForm(session=session),
            "register_form": forms.get("register_form") or RegisterOtherForm(session=session),
            "register_error": forms.get("register_error", ""),
        },
        status=status,
    )


@member()
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _session_page(request, selectors.session_for_viewer(viewer=request.user, pk=pk))  # type: ignore[arg-type]


@member()
def session_register(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if request.method != "POST":
        return redirect("training:session", pk=pk)
    form = RegisterOtherForm(request.POST, session=session)
    who: User = request.user  # type: ignore[assignment]
    if "user" in request.POST:
        if not form.is_valid():
            return _session_page(request, session, status=400, register_form=form)
        who = form.cleaned_data["user"]
    try:
        services.session_register(actor=request.user, session=session, user=who)  # type: ignore[arg-type]
    except AccordValidationError as error:
        return _session_page(request, session, status=400, register_error=error.message)
    messages.success(request, _("%(who)s is registered.") % {"who": who})
    return redirect("training:session", pk=pk)


@member()
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    if not selectors.may_record_attendance(viewer=request.user, session=session):  # type: ignore[arg-type]
        raise NotFound(gettext("No such session."))
    if request.method != "POST":
        return redirect("training:session", pk=pk)
    form = AttendanceForm(request.POST, session=session)
    if form.is_valid():
        try:
            issued = services.attendance_record(
                actor=request.user,  # type: ignore[arg-type]
                session=session,
                attended_user_ids=form.cleaned_data["attended"],
                add_users=list(form.cleaned_data["add_users"]),
            )
        except AccordValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Attendance recorded; %(count)s certificate(s) issued.") % {"count": len(issued)},
            )
            return redirect("training:session", pk=pk)
    return _session_page(request, session, status=400, attendance_form=form)


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@member()
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_for_viewer(viewer=request.user, pk=pk)  # type: ignore[arg-type]
    content = sessions_calendar(
        sessions=[session], name=session.course.title, host=request.get_host(), now=timezone.now()
    )
    return _ics(content, f"training-session-{session.pk}.ics")


@member()
def calendar_ics(request: HttpRequest) -> HttpResponse:
    task_force = _task_force(request)
    now = timezone.now()
    content = sessions_calendar(
        sessions=selectors.sessions_upcoming(task_force=task_force, now=now),
        name=f"{task_force.name}: joint training",
        host=request.get_host(),
        now=now,
    )
    return _ics(content, "training-sessions.ics")


@member()
def compliance_index(request: HttpRequest) -> HttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    agencies = [
        agency
        for agency in Agency.objects.filter(task_force=viewer.agency.task_force, is_active=True)  # type: ignore[union-attr]
        if selectors.may_see_agency(viewer=viewer, agency=agency)
    ]
    if not agencies:
        return redirect("training:compliance_person", pk=viewer.pk)
    today = timezone.now().date()
    reports = [selectors.agency_compliance(agency=agency, on=today) for agency in agencies]
    return render(request, "training/compliance_index.html", {"reports": reports})


@member()
def compliance_agency(request: HttpRequest, slug: str) -> HttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    agency = Agency.objects.filter(task_force=viewer.agency.task_force, slug=slug).first()  # type: ignore[union-attr]
    if agency is None or not selectors.may_see_agency(viewer=viewer, agency=agency):
        raise NotFound(gettext("No such agency."))
    report = selectors.agency_compliance(agency=agency, on=timezone.now().date())
    return render(request, "training/compliance_agency.html", {"report": report})


@member()
def compliance_person(request: HttpRequest, pk: int) -> HttpResponse:
    viewer: User = request.user  # type: ignore[assignment]
    person = User.objects.filter(pk=pk).select_related("agency").first()
    if person is None or not selectors.may_see_person(viewer=viewer, person=person):
        raise NotFound(gettext("No such person."))
    today = timezone.now().date()
    return render(
        request,
        "training/compliance_person.html",
        {
            "compliance": selectors.person_compliance(user=person, on=today),
            "person": person,
            "certificates": person.training_certificates.select_related("course"),
        },
    )
