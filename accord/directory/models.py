"""The resource directory, modelled on Open Referral HSDS 3.0.

Organizations, services and locations are the primary records: they carry the
HSDS id (``hsds_id``, stable across imports and exports), a ``slug`` the
protocol refers to, verification stamps and an optimistic ``version`` (S23).
Everything nested under them in HSDS (addresses, contacts, phones, schedules,
languages, service areas, service-at-location links) is stored as child rows
with exactly one parent, so an HSDS document round-trips without merging.

Every row belongs to one task force through its organization; selectors scope
every read by the viewer's task force.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accord.accounts.models import Agency, TaskForce
from accord.encryption.fields import EncryptedFloatField, EncryptedTextField

from .vocabulary import unpack


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    DEFUNCT = "defunct", _("Defunct")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")


class LocationType(models.TextChoices):
    PHYSICAL = "physical", _("Physical")
    POSTAL = "postal", _("Postal")
    VIRTUAL = "virtual", _("Virtual")


class VerifiedRecord(models.Model):
    """Fields every primary directory record has: identity, verification, version."""

    hsds_id = models.CharField(max_length=36, help_text=_("HSDS id (UUID), stable across exports."))
    slug = models.SlugField(max_length=100, help_text=_("The id the protocol uses."))
    name = models.CharField(max_length=300)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    email = models.CharField(max_length=254, blank=True)
    last_verified_at = models.DateTimeField(null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by_label = models.CharField(
        max_length=254, blank=True, help_text=_("Who verified, as imported (HSDS assurer_email).")
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def verified_by_display(self) -> str:
        if self.last_verified_by_id:
            return str(self.last_verified_by)
        return self.verified_by_label


class Organization(VerifiedRecord):
    """A member agency or outside partner of one task force."""

    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="directory_organizations"
    )
    agency = models.ForeignKey(
        Agency,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_organizations",
        help_text=_("The member agency this organization is, if any."),
    )
    website = models.CharField(max_length=500, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["task_force", "hsds_id"], name="org_hsds_id_per_tf"),
            models.UniqueConstraint(fields=["task_force", "slug"], name="org_slug_per_tf"),
        ]


class Location(models.Model):
    """Where an organization works. A confidential location's address is withheld."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="locations"
    )
    hsds_id = models.CharField(max_length=36)
    location_type = models.CharField(
        max_length=20, choices=LocationType.choices, default=LocationType.PHYSICAL
    )
    name = models.CharField(max_length=300, blank=True)
    alternate_name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    # Directions and coordinates say where a shelter is as plainly as its address: encrypted
    # at rest (S19) like the address parts, for every location (no per-row key choice to get
    # wrong when a location becomes confidential later).
    transportation = EncryptedTextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    latitude = EncryptedFloatField(null=True, blank=True)
    longitude = EncryptedFloatField(null=True, blank=True)
    is_confidential = models.BooleanField(
        default=False,
        help_text=_("Address visible only to the provider's users and agencies it names."),
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "hsds_id"], name="location_hsds_id_per_org"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.hsds_id


class LocationDisclosure(models.Model):
    """The provider names an agency that may see a confidential location's address."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="disclosures")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["location", "agency"], name="one_disclosure_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.location} disclosed to {self.agency}"


class Service(VerifiedRecord):
    """What an organization provides, with eligibility and capacity."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="services"
    )
    task_force = models.ForeignKey(
        TaskForce, on_delete=models.PROTECT, related_name="directory_services"
    )
    status = models.CharField(
        max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    url = models.CharField(max_length=500, blank=True)
    interpretation_services = models.TextField(blank=True)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    eligibility_description = models.TextField(blank=True)
    alert = models.TextField(blank=True)
    # Packed code sets (",a,b,"): empty means "no restriction stated".
    service_types = models.CharField(max_length=300, blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    genders = models.CharField(max_length=100, blank=True)
    citizenship = models.CharField(max_length=100, blank=True)
    trafficking_types = models.CharField(max_length=100, blank=True)
    is_24_7 = models.BooleanField(default=False, help_text=_("Available 24 hours, 7 days a week."))
    beds_available = models.PositiveIntegerField(null=True, blank=True)
    beds_total = models.PositiveIntegerField(null=True, blank=True)
    capacity_updated_at = models.DateTimeField(null=True, blank=True)
    capacity_updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["task_force", "hsds_id"], name="service_hsds_id_per_tf"
            ),
            models.UniqueConstraint(fields=["task_force", "slug"], name="service_slug_per_tf"),
        ]
        indexes = [
            # Search walks this index in result order: no sort of the whole directory.
            models.Index(
                fields=["task_force", "status", "-is_24_7", "name", "id"],
                name="service_search_order",
            )
        ]

    @property
    def service_type_set(self) -> frozenset[str]:
        return unpack(self.service_types)

    @property
    def gender_set(self) -> frozenset[str]:
        return unpack(self.genders)

    @property
    def citizenship_set(self) -> frozenset[str]:
        return unpack(self.citizenship)

    @property
    def trafficking_type_set(self) -> frozenset[str]:
        return unpack(self.trafficking_types)


class ServiceAtLocation(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="at_locations")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="at_services")
    hsds_id = models.CharField(max_length=36)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class Address(models.Model):
    """A location's postal or street address.

    The parts that say where someone is (attention line, street, town, region,
    state, postal code) are AES-256-GCM ciphertexts at rest (S19), for public and
    confidential locations alike, so a location that becomes confidential later
    has nothing left in plain text. ``country`` and ``address_type`` stay plain.
    Encrypted columns cannot be searched by value (nothing in Accord does).
    """

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="addresses")
    hsds_id = models.CharField(max_length=36)
    attention = EncryptedTextField(max_length=200, blank=True)
    address_1 = EncryptedTextField(max_length=300)
    address_2 = EncryptedTextField(max_length=300, blank=True)
    city = EncryptedTextField(max_length=200)
    region = EncryptedTextField(max_length=200, blank=True)
    state_province = EncryptedTextField(max_length=200)
    postal_code = EncryptedTextField(max_length=40)
    country = models.CharField(max_length=2)
    address_type = models.CharField(max_length=20, choices=LocationType.choices)

    def __str__(self) -> str:
        return f"{self.address_1}, {self.city}"


class Contact(models.Model):
    """A named contact; exactly one parent (organization, service, location or link)."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    hsds_id = models.CharField(max_length=36)
    name = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name or self.hsds_id


class Phone(models.Model):
    """A phone number; exactly one parent. ``is_24_7`` marks a line answered around the clock."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="phones"
    )
    hsds_id = models.CharField(max_length=36)
    number = models.CharField(max_length=60)
    extension = models.CharField(max_length=20, blank=True)
    type = models.CharField(max_length=40, blank=True)
    description = models.TextField(blank=True)
    is_24_7 = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_24_7", "pk"]

    def __str__(self) -> str:
        return self.number + (f" x{self.extension}" if self.extension else "")


class Schedule(models.Model):
    """Opening hours (an RFC 5545-like weekly or monthly rule, as HSDS has it)."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    service_at_location = models.ForeignKey(
        ServiceAtLocation, null=True, blank=True, on_delete=models.CASCADE, related_name="schedules"
    )
    hsds_id = models.CharField(max_length=36)
    valid_from = models.CharField(max_length=30, blank=True)
    valid_to = models.CharField(max_length=30, blank=True)
    dtstart = models.CharField(max_length=30, blank=True)
    until = models.CharField(max_length=30, blank=True)
    timezone = models.FloatField(null=True, blank=True)
    count = models.PositiveIntegerField(null=True, blank=True)
    wkst = models.CharField(max_length=2, blank=True)
    freq = models.CharField(max_length=10, blank=True)
    interval = models.PositiveIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=60, blank=True)
    byweekno = models.CharField(max_length=200, blank=True)
    bymonthday = models.CharField(max_length=200, blank=True)
    byyearday = models.CharField(max_length=200, blank=True)
    opens_at = models.CharField(max_length=8, blank=True)
    closes_at = models.CharField(max_length=8, blank=True)
    description = models.TextField(blank=True)
    schedule_link = models.CharField(max_length=500, blank=True)
    attending_type = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.byday} {self.opens_at}-{self.closes_at}".strip()


class Language(models.Model):
    """A language served, as an ISO 639 code (639-1 where one exists)."""

    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    location = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    phone = models.ForeignKey(
        Phone, null=True, blank=True, on_delete=models.CASCADE, related_name="languages"
    )
    hsds_id = models.CharField(max_length=36)
    code = models.CharField(max_length=3, db_index=True)
    name = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["code", "pk"]

    def __str__(self) -> str:
        return self.name or self.code


class ServiceArea(models.Model):
    """Where a service is offered; ``jurisdiction`` is the task force's jurisdiction slug."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_areas")
    hsds_id = models.CharField(max_length=36)
    jurisdiction = models.SlugField(max_length=60, blank=True, db_index=True)
    name = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    extent = models.TextField(blank=True)
    extent_type = models.CharField(max_length=40, blank=True)
    uri = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["jurisdiction", "pk"]

    def __str__(self) -> str:
        return self.name or self.jurisdiction


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    CHECKING = "checking", _("Checking the file")
    WRITING = "writing", _("Writing to the directory")
    DONE = "done", _("Finished")
    REFUSED = "refused", _("Refused — nothing was changed")
    FAILED = "failed", _("Failed — nothing was changed")


class DirectoryImport(models.Model):
    """One HSDS import run by the background worker: its file until it ran, then its outcome.

    Large files are imported in the worker so no web request waits on them; the
    coordinator follows the status here. The uploaded bytes are kept only until
    the worker has read them (``content`` is emptied when the run ends).
    """

    FINISHED = (ImportStatus.DONE, ImportStatus.REFUSED, ImportStatus.FAILED)

    task_force = models.ForeignKey(TaskForce, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source_name = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    content = models.BinaryField(default=b"", editable=False)
    records = models.PositiveIntegerField(null=True, blank=True)
    report_lines = models.JSONField(default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.source_name} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED
