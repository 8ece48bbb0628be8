"""Joint training: the catalog, sessions, attendance, certificates.

A certificate is issued when attendance is recorded; it expires ``renew_months``
after the session when the course must be renewed. The protocol in force says
which requirements each role must meet (``TrainingRequirement``); a course
declares which of those requirement ids it satisfies.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    TRAUMA_INFORMED_INTERVIEWING = "trauma_informed_interviewing", _("Trauma-informed interviewing")
    TRAUMA_INFORMED_CARE = "trauma_informed_care", _("Trauma-informed care")
    VICTIM_CENTERED_INTERVIEWING = "victim_centered_interviewing", _("Victim-centered interviewing")
    VICTIM_IDENTIFICATION = "victim_identification", _("Victim identification")
    LABOR_TRAFFICKING_INDICATORS = "labor_trafficking_indicators", _("Labor trafficking indicators")
    CJIS_SECURITY_AWARENESS = "cjis_security_awareness", _("CJIS security awareness")
    CONFIDENTIALITY_AND_CONSENT = "confidentiality_and_consent", _("Confidentiality and consent")
    DANGER_ASSESSMENT = "danger_assessment", _("Danger assessment")
    IMMIGRATION_RELIEF = "immigration_relief", _("Immigration relief (CP, T, U)")
    PROTOCOL = "protocol", _("The task force protocol")
    INTERPRETING = "interpreting", _("Working with interpreters")


class Course(models.Model):
    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="courses"
    )
    code = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    topics = models.JSONField(default=list, help_text=_("Topic values."))
    duration_minutes = models.PositiveIntegerField()
    renew_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Empty: the certificate never expires.")
    )
    requirement_ids = models.JSONField(
        default=list, help_text=_("Ids of the protocol's training requirements this course meets.")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "code"], name="course_code_per_task_force"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def topic_labels(self) -> list[str]:
        labels = dict(Topic.choices)
        return [str(labels.get(topic, topic)) for topic in self.topics]


class CourseMaterial(models.Model):
    """A file attached to a course; stored under MEDIA_ROOT with a random name (S21)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    file = models.FileField(upload_to="training/materials/")
    original_name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=10, help_text=_("Checked type: pdf, docx, pptx, png, jpg, txt.")
    )
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["original_name"]

    def __str__(self) -> str:
        return self.original_name


class TrainingSession(models.Model):
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    place = models.CharField(max_length=200, blank=True)
    online_url = models.URLField(blank=True)
    trainers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    trainer_names = models.CharField(
        max_length=300, blank=True, help_text=_("Trainers from outside the task force.")
    )
    capacity = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    attendance_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.course.title}, {self.starts_at:%Y-%m-%d}"

    @property
    def where(self) -> str:
        if self.place and self.online_url:
            return f"{self.place} and online"
        return self.place or ("Online" if self.online_url else "")

    @property
    def trainer_list(self) -> list[str]:
        names = [str(user) for user in self.trainers.all()]
        names += [n.strip() for n in self.trainer_names.split(",") if n.strip()]
        return names


class AttendanceStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    session = models.ForeignKey(
        TrainingSession, on_delete=models.CASCADE, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_attendances"
    )
    status = models.CharField(
        max_length=20, choices=AttendanceStatus.choices, default=AttendanceStatus.REGISTERED
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user__agency__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_attendance_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.status} {self.session}"


class Certificate(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_certificates"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certificates")
    session = models.ForeignKey(
        TrainingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "issued_on"], name="one_certificate_per_course_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} — {self.user} ({self.issued_on})"


class ExpiryNotice(models.Model):
    """One notice per certificate per threshold, so the command never repeats itself."""

    certificate = models.ForeignKey(
        Certificate, on_delete=models.CASCADE, related_name="expiry_notices"
    )
    threshold_days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    recipients = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "threshold_days"], name="one_notice_per_threshold"
            )
        ]

    def __str__(self) -> str:
        return f"{self.certificate} {self.threshold_days}d notice"
