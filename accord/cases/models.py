"""Cases and everything the response records about them.

Every case record carries ``produced_by`` (the agency that produced it: its
provenance) and every stored field is classified in ``fields.REGISTRY``. Values
that are victim PII, CJI or immigration-relief data use the protected field
types. Records that users edit carry ``lock_version`` (S23). Reads for display
go through ``accord.sharing.door`` only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from accord.accounts.models import SECTOR_CHOICES, Agency
from accord.core.model import FieldClass

from .fields import ProtectedJSONField, ProtectedTextField

#: The protocol factor that says where the crime took place: when the protocol has it, intake
#: asks the place once, as that fact, and the case's ``jurisdiction`` is written from it.
PLACE_FACTOR = "jurisdiction"

FIELD_CLASS_CHOICES = [(c.value, c.value) for c in FieldClass]


class IncidentKind(models.TextChoices):
    VICTIM_READY = "victim_ready", "A victim is ready to talk"
    HOTLINE_TIP = "hotline_tip", "Hotline tip"
    HOSPITAL_CALL = "hospital_call", "Hospital call"
    PLANNED_OPERATION = "planned_operation", "Planned operation"
    OTHER = "other", "Other"


class CaseStage(models.TextChoices):
    REFERRAL = "referral", "Referral"
    INVESTIGATION = "investigation", "Investigation"
    PROSECUTION = "prosecution", "Prosecution"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="cases"
    )
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    incident_kind = models.CharField(max_length=30, choices=IncidentKind.choices)
    stage = models.CharField(max_length=20, choices=CaseStage.choices, default=CaseStage.REFERRAL)
    lead_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="cases"
    )
    facts = models.JSONField(default=dict)
    jurisdiction = models.CharField(max_length=60, blank=True)
    incident_summary = ProtectedTextField(blank=True)
    produced_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    intake_token = models.CharField(max_length=64, unique=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "year", "sequence"], name="case_sequence_per_year"
            )
        ]
        indexes = [
            # the list sorted by stage (the case id breaks ties); SQLite's index holds the id
            # anyway, PostgreSQL's must name it or it sorts every case of the first stage
            models.Index(fields=["task_force", "stage", "id"], name="case_tf_stage_id"),
            # one lead agency's cases in list order (the list sorted by lead agency walks the
            # agencies in turn): as above, the id named for PostgreSQL
            models.Index(fields=["lead_agency", "id"], name="case_lead_id"),
            # the case list's default order (newest first), walked without sorting every case
            models.Index(fields=["task_force", "opened_at", "id"], name="case_tf_opened"),
            # the list sorted by title walks this index too (SQLite otherwise sorts every case)
            models.Index(fields=["task_force", "title", "id"], name="case_tf_title"),
            # the list filtered by stage walks that stage's cases in its default order (a
            # quarter of the walk along ``case_tf_opened``; a restricted viewer's combined
            # filters walk many cases to fill a page)
            models.Index(
                fields=["task_force", "stage", "opened_at", "id"], name="case_tf_stage_opened"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ParticipantPart(models.TextChoices):
    """What an agency does on a case (the case team, DESIGN.md §2)."""

    LEAD = "lead", "Lead agency"
    INVESTIGATING = "investigating", "Investigating"
    PROSECUTING = "prosecuting", "Prosecuting"
    SERVING_PROVIDER = "serving_provider", "Serving provider"
    CHILD_PROTECTION = "child_protection", "Child protection"
    LEGAL_SERVICES = "legal_services", "Legal services"
    INTERPRETER = "interpreter", "Interpreter"
    OTHER = "other", "Other"


class JoinedVia(models.TextChoices):
    """How an agency came onto a case (its provenance on the team)."""

    OPENED = "opened", "Opened the case"
    PLAN = "plan", "Named by the response plan"
    REFERRAL = "referral", "A referral to it"
    TASK = "task", "Given a task"
    ADDED = "added", "Added by the lead"
    HAND_OFF = "hand_off", "Handed the lead"
    PROSECUTION = "prosecution", "Took the case for prosecution"


class CaseParticipant(models.Model):
    """An agency working the case; participants' users (and coordinators) see the case.

    ``part`` says what it does there and ``joined_via`` how it came in (with ``reason`` and
    ``added_by`` when a person added it). ``is_serving_provider`` mirrors ``part`` being the
    serving provider: the sharing policy reads it on every request.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    is_serving_provider = models.BooleanField(default=False)
    joined_at = models.DateTimeField()
    part = models.CharField(
        max_length=30, choices=ParticipantPart.choices, default=ParticipantPart.OTHER
    )
    joined_via = models.CharField(max_length=20, choices=JoinedVia.choices, default=JoinedVia.PLAN)
    reason = models.TextField(blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["joined_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "agency"], name="one_participation_per_agency")
        ]
        indexes = [models.Index(fields=["agency", "case"], name="participant_agency_case")]

    def __str__(self) -> str:
        return f"agency {self.agency_id} on case {self.case_id}"


class CaseRecord(models.Model):
    """What every record hanging off a case has: provenance and a creation stamp."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="%(class)ss")
    produced_by = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk} of case {self.case_id}"


class PotentialVictim(CaseRecord):
    pseudonym = models.CharField(max_length=60)
    legal_name = ProtectedTextField(blank=True)
    date_of_birth = ProtectedTextField(blank=True)
    contact = ProtectedTextField(blank=True)
    current_location = ProtectedTextField(blank=True)
    needs = ProtectedTextField(blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    #: An estimated age range when the exact age is not known (e.g. 15 to 17).
    age_low = models.PositiveSmallIntegerField(null=True, blank=True)
    age_high = models.PositiveSmallIntegerField(null=True, blank=True)
    gender = models.CharField(max_length=20, blank=True)
    citizenship = models.CharField(max_length=30, blank=True)
    language = models.CharField(
        max_length=60, blank=True, help_text=gettext_lazy("Languages, comma-separated.")
    )
    interpreter_needed = models.BooleanField(null=True, blank=True)
    arrested = models.BooleanField(null=True, blank=True)
    charged = models.BooleanField(null=True, blank=True)
    serving_provider = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pk"]


class Suspect(CaseRecord):
    name = ProtectedTextField()
    aliases = ProtectedTextField(blank=True)
    citizenship = models.CharField(max_length=30, blank=True)
    description = ProtectedTextField(blank=True)

    class Meta:
        ordering = ["pk"]


class InvestigativeNote(CaseRecord):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = ProtectedTextField()

    class Meta:
        ordering = ["-created_at"]


class SensitiveMaterialKind(models.TextChoices):
    GRAND_JURY = "grand_jury", "Grand jury material"
    TAX = "tax", "Tax information"
    WIRETAP = "wiretap", "Wiretap content"


class SensitiveMaterial(CaseRecord):
    """Never leaves the producing agency's investigators and prosecutors (S12)."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=SensitiveMaterialKind.choices)
    description = ProtectedTextField()

    class Meta:
        ordering = ["-created_at"]


class ResponsePlan(CaseRecord):
    """The protocol's answers for the case facts at one moment; each regeneration is a new row."""

    protocol_version = models.ForeignKey(
        "protocols.ProtocolVersion", on_delete=models.PROTECT, related_name="+"
    )
    facts = models.JSONField(default=dict)
    answers = models.JSONField(default=list)
    changes = models.JSONField(default=list)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: How many of ``answers`` the protocol could not answer, stored with the plan (plans are
    #: never changed after) so the dashboard and the case list find the few plans with open
    #: questions through an index instead of reading every plan's answers.
    unanswered = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-generated_at", "-pk"]
        indexes = [
            models.Index(
                fields=["case"], condition=models.Q(unanswered__gt=0), name="plan_unanswered"
            )
        ]

    @staticmethod
    def count_unanswered(answers: object) -> int:
        """The answers of a plan the protocol could not answer (as stored in ``answers``)."""
        if not isinstance(answers, list):
            return 0
        return sum(1 for a in answers if isinstance(a, dict) and not a.get("answered"))


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    TAKEN = "taken", "Taken"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Task(CaseRecord):
    """A deadline of the protocol (or a remedy the case needs) with an owner and a due time."""

    deadline_id = models.CharField(max_length=80)
    anchor = models.CharField(max_length=40)
    #: Which occurrence: "" for the case, "victim:<id>", "referral:<id>"..., with "|<answer>"
    #: when the deadline makes a task for each answer row (one call per agency named).
    anchor_ref = models.CharField(max_length=160, blank=True)
    title = models.CharField(max_length=300)
    owner_agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_sector = models.CharField(max_length=40, choices=SECTOR_CHOICES, blank=True)
    owner_role = models.CharField(max_length=40, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    escalated_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    operation = models.ForeignKey(
        "Operation", null=True, blank=True, on_delete=models.CASCADE, related_name="tasks"
    )
    visibility_class = models.CharField(
        max_length=20, choices=FIELD_CLASS_CHOICES, default=FieldClass.CASE_BASIC
    )
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "deadline_id", "anchor_ref"], name="one_task_per_deadline_anchor"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="task_status_due"),
            models.Index(fields=["owner_agency", "status"], name="task_agency_status"),
            # the coordinator's count of escalated tasks walks the few escalated ones by due
            # time (without it, every open task of the task force: 0.4 s at 100,000 cases)
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(escalated_at__isnull=False),
                name="task_escalated_due",
            ),
            # an agency's open tasks by due time: the coordinator's "overdue tasks by agency"
            # counts and the agency boards walk it and stop at the page (without it, every
            # overdue task of the task force is read and sorted once per agency). The
            # condition is written as the boards' own ``status IN ('open', 'taken')``, so
            # SQLite sees that their queries imply it.
            models.Index(
                fields=["owner_agency", "due_at", "id"],
                condition=models.Q(status__in=["open", "taken"]),
                name="task_open_agency_due",
            ),
            # a case's open tasks by due time: the case list's overdue filter asks each case
            # it walks whether it has a late one (without it, every late task of the task force
            # was read first: 0.3 s at 1 million cases). Written as the agency index above.
            models.Index(
                fields=["case", "due_at"],
                condition=models.Q(status__in=["open", "taken"]),
                name="task_open_case_due",
            ),
            # a person's open tasks by due time: the first half of "my tasks" (the other, not
            # taken, walks the agency's open-task index), each walked to the page
            models.Index(
                fields=["assignee", "due_at", "id"],
                condition=models.Q(status__in=["open", "taken"], assignee__isnull=False),
                name="task_open_assignee_due",
            ),
        ]


class ReferralKind(models.TextChoices):
    LE_TO_PROVIDER = "le_to_provider", "Law enforcement → victim service provider"
    PROVIDER_TO_PROVIDER = "provider_to_provider", "Provider → provider"
    TO_LEGAL_SERVICES = "to_legal_services", "Provider → legal services"
    TO_CHILD_PROTECTION = "to_child_protection", "→ child protective services"


class ReferralStatus(models.TextChoices):
    SENT = "sent", "Sent"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    COMPLETED = "completed", "Completed"


class Referral(CaseRecord):
    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="referrals")
    kind = models.CharField(max_length=30, choices=ReferralKind.choices)
    from_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    to_service = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.SENT
    )
    message = models.TextField(blank=True)
    decline_reason = models.TextField(blank=True)
    shared_fields = models.JSONField(default=list)
    sharing_answer = models.JSONField(default=dict)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    minutes_to_accept = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text=gettext_lazy("Intake to accepted referral (the 'matched within 48 h' measure)."),
    )
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-sent_at"]


class OperationStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    READY = "ready", "Ready"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Operation(CaseRecord):
    """A planned rescue; the minimal facts are what the committee may be told beforehand."""

    name = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=OperationStatus.choices, default=OperationStatus.PLANNED
    )
    coordination_required = models.BooleanField(default=False)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    estimated_victims = models.PositiveIntegerField()
    genders = models.CharField(max_length=100, blank=True)
    languages = models.CharField(max_length=200, blank=True)
    minors_expected = models.BooleanField(default=False)
    location = ProtectedTextField(blank=True)
    targets = ProtectedTextField(blank=True)
    staff_safety_notes = ProtectedTextField(blank=True)
    committee_notified_at = models.DateTimeField(null=True, blank=True)
    exception_reason = models.TextField(blank=True)
    exception_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ready_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["window_start"]


class PlacementKind(models.TextChoices):
    SHELTER = "shelter", "Shelter"
    CPS = "cps", "Child protective services"
    RELATIVE_OR_GUARDIAN = "relative_or_guardian", "Relative or guardian"
    HOSPITAL = "hospital", "Hospital"
    OTHER = "other", "Other"


class Placement(CaseRecord):
    """Where a potential victim stays. A placement the directory's eligibility excludes exists
    only with a coordinator's recorded emergency override (who, when, why)."""

    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="placements")
    kind = models.CharField(max_length=30, choices=PlacementKind.choices)
    service = models.CharField(
        max_length=100, blank=True, help_text=gettext_lazy("Directory service id.")
    )
    service_name = models.CharField(max_length=200, blank=True)
    recommended_service = models.CharField(max_length=100, blank=True)
    details = ProtectedTextField(blank=True)
    bed_reserved = models.BooleanField(default=False)
    placed_at = models.DateTimeField()
    # The emergency override of the directory's eligibility (empty when none was needed).
    outside_eligibility = models.BooleanField(default=False)
    eligibility_finding = models.CharField(max_length=300, blank=True)
    override_reason = ProtectedTextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-placed_at"]


class Proceeding(models.TextChoices):
    ARRAIGNMENT = "arraignment", "Arraignment"
    INTERVIEW = "victim_interview", "Interview"
    FORENSIC_INTERVIEW = "forensic_interview", "Forensic interview"
    HEARING = "court_hearing", "Hearing"
    SERVICE_SESSION = "service_meeting", "Service session"


class InterpreterStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    BOOKED = "booked", "Booked"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class InterpreterRequest(CaseRecord):
    victim = models.ForeignKey(
        PotentialVictim, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proceeding = models.CharField(max_length=30, choices=Proceeding.choices)
    language = models.CharField(max_length=60)
    scheduled_for = models.DateTimeField()
    court_certified_required = models.BooleanField(default=False)
    service = models.CharField(max_length=100, blank=True)
    interpreter_name = models.CharField(max_length=200, blank=True)
    payer = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=InterpreterStatus.choices, default=InterpreterStatus.REQUESTED
    )
    conflict_attested = models.BooleanField(default=False)
    attestation_text = models.TextField(blank=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    attested_at = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Whether the booked interpreter holds the certification the proceeding requires (asked at
    # booking; None until booked).
    interpreter_certified = models.BooleanField(null=True, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    booked_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["scheduled_for"]


class ReliefKind(models.TextChoices):
    CONTINUED_PRESENCE = "continued_presence", "Continued Presence request"
    T_VISA_DECLARATION = "t_visa_declaration", "T visa declaration (I-914 Supplement B)"
    U_VISA_CERTIFICATION = "u_visa_certification", "U visa certification (I-918 Supplement B)"
    HHS_ELIGIBILITY_LETTER = "hhs_eligibility_letter", "HHS eligibility letter (minor)"
    HHS_CERTIFICATION_LETTER = "hhs_certification_letter", "HHS certification letter (adult)"


class ReliefStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    REQUESTED = "requested", "Requested"
    SIGNED = "signed", "Signed"
    GRANTED = "granted", "Granted"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


class ImmigrationRelief(CaseRecord):
    """Continued Presence, T and U records and HHS letters: the 8 U.S.C. 1367 class."""

    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=30, choices=ReliefKind.choices)
    status = models.CharField(
        max_length=20, choices=ReliefStatus.choices, default=ReliefStatus.DRAFT
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = ProtectedTextField(blank=True)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]


class CertifyingOfficial(models.Model):
    """An agency's designated U visa certifying official (its head or a designee)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    designated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "user"], name="one_designation_per_user")
        ]

    def __str__(self) -> str:
        return f"certifying official {self.user_id} of agency {self.agency_id}"


class ChargingDecision(models.TextChoices):
    NOT_CHARGED = "not_charged", "Not charged"
    CHARGED = "charged", "Charged"
    DISMISSAL_SOUGHT = "dismissal_sought", "Dismissal sought"
    DISMISSED = "dismissed", "Dismissed"
    VACATED = "vacated", "Vacated or expunged"


class ChargeCategory(models.TextChoices):
    """What the charge is: the charging guidance applies by category, never by words."""

    PROSTITUTION = "prostitution", "Prostitution"
    SOLICITATION = "solicitation", "Solicitation"
    LOITERING_COMMERCIAL_SEX = "loitering_commercial_sex", "Loitering for commercial sex"
    OTHER_COMMERCIAL_SEX = "other_commercial_sex", "Other commercial-sex offense"
    OTHER_OFFENSE = "other_offense", "Other offense"


#: The categories the protocol's prostitution-charge guidance and Safe Harbor cover.
COMMERCIAL_SEX_CHARGES = frozenset(
    {
        ChargeCategory.PROSTITUTION,
        ChargeCategory.SOLICITATION,
        ChargeCategory.LOITERING_COMMERCIAL_SEX,
        ChargeCategory.OTHER_COMMERCIAL_SEX,
    }
)


class ChargingRecord(CaseRecord):
    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="+")
    arrested = models.BooleanField(default=False)
    charged = models.BooleanField(default=False)
    charge_category = models.CharField(max_length=30, choices=ChargeCategory.choices, blank=True)
    charge_description = ProtectedTextField(blank=True)
    guidance = models.JSONField(default=dict)
    decision = models.CharField(max_length=30, choices=ChargingDecision.choices)
    identified_after_charges = models.BooleanField(default=False)
    remedies = models.JSONField(default=list)
    lock_version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]


class SafetyInstrument(models.Model):
    """A danger/safety screen the task force configures: questions with weights and a threshold."""

    task_force = models.ForeignKey(
        "accounts.TaskForce", on_delete=models.PROTECT, related_name="safety_instruments"
    )
    name = models.CharField(max_length=200)
    questions = models.JSONField(default=list, help_text=gettext_lazy('[{"id", "text", "weight"}]'))
    threshold = models.PositiveIntegerField()
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SafetyAssessment(CaseRecord):
    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="+")
    instrument = models.ForeignKey(SafetyInstrument, on_delete=models.PROTECT, related_name="+")
    answers = ProtectedJSONField(default=dict)
    score = models.PositiveIntegerField()
    above_threshold = models.BooleanField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at"]


class CaseEvent(CaseRecord):
    """One line of the case timeline; ``field_class`` is the class of what the summary says."""

    kind = models.CharField(max_length=60)
    summary = models.CharField(max_length=400)
    field_class = models.CharField(
        max_length=20, choices=FIELD_CLASS_CHOICES, default=FieldClass.CASE_BASIC
    )
    victim = models.ForeignKey(
        PotentialVictim, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    occurred_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["occurred_at", "pk"]


class Notification(models.Model):
    """An in-app notification; the text is composed from what the recipient may see."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # The item a notification is about ("referral", "task"), so its entry links to it and the
    # service that finishes the item marks it resolved: nothing stale asks for action.
    item_kind = models.CharField(max_length=30, blank=True)
    item_id = models.PositiveIntegerField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["item_kind", "item_id"], name="notification_item"),
        ]

    def __str__(self) -> str:
        return self.subject


class AdvocateNote(CaseRecord):
    """A victim service provider's counseling or case-management note about one victim.

    Class ``vsp-privileged``: only the producing provider's advocates ever read it. No release
    and no sharing rule moves it (advocate-victim privilege; VAWA/VOCA/FVPSA confidentiality).
    """

    victim = models.ForeignKey(PotentialVictim, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = ProtectedTextField()

    class Meta:
        ordering = ["-created_at", "-pk"]
