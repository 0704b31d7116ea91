"""What the demo (and the scale) practice is made of: the five workflows (programs, templates,
template tasks), how work ends up, and the word lists the generated rows draw from. The people
and teams are in demo.staff.

Reference data is created through the ORM (get-or-create by natural key, so a second run finds
it, and simple_history records it).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.contrib.auth.models import Group

from accounts.roles import Role
from careplans.dates import WorkCalendar
from careplans.models import CarePlanTemplate, DueAnchor, DueUnit, Program, TemplateTask
from tasks.choices import Priority, Status, TaskKind

# ---- the five workflows -------------------------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    title: str
    kind: str
    role: str
    offset: int
    anchor: str = DueAnchor.PLAN_START
    unit: str = DueUnit.DAYS
    every: int | None = None
    count: int | None = None
    priority: int = Priority.NORMAL
    after: int | None = None  # index of the step this one waits for


@dataclass(frozen=True)
class ProgramSpec:
    code: str
    name: str
    description: str
    template: str
    steps: tuple[StepSpec, ...]
    goals: tuple[tuple[str, str], ...]
    interventions: str
    episode_days: int | None = None  # an episode program ends; a chronic one runs until stopped


C, MA, FD, PR = Role.COORDINATOR, Role.MEDICAL_ASSISTANT, Role.FRONT_DESK, Role.PROVIDER

PROGRAMS: tuple[ProgramSpec, ...] = (
    ProgramSpec(
        code="post-visit",
        name="Post-visit follow-up",
        description="Calls, prescriptions and bookings in the days after an office visit.",
        template="Post-visit follow-up",
        steps=(
            StepSpec(
                "Post-visit call: review the plan, answer questions",
                TaskKind.OUTREACH_CALL,
                C,
                2,
                unit=DueUnit.BUSINESS_DAYS,
                priority=Priority.HIGH,
            ),
            StepSpec("Send after-visit education material", TaskKind.EDUCATION, MA, 1),
            StepSpec("Confirm new prescriptions were picked up", TaskKind.OUTREACH_CALL, MA, 3),
            StepSpec("Book the follow-up visit", TaskKind.SCHEDULING, FD, 5),
            StepSpec("Review labs ordered at the visit", TaskKind.LAB, PR, 10),
        ),
        goals=(
            ("Patient understands and follows the after-visit plan", "Teach-back confirmed on the call"),
            ("Follow-up visit kept", "Seen within 30 days"),
        ),
        interventions="Post-visit call within 2 business days.\nMedication check by phone.\nFollow-up visit booked within 5 days.",
        episode_days=45,
    ),
    ProgramSpec(
        code="care-gaps",
        name="Care gap closure",
        description="Labs, screenings and results the practice is accountable for each year.",
        template="Annual care gaps",
        steps=(
            StepSpec("Order HbA1c lab", TaskKind.LAB, MA, 0),
            StepSpec("HbA1c result received and reviewed", TaskKind.LAB, PR, 14, after=0),
            StepSpec("Schedule colorectal cancer screening", TaskKind.SCHEDULING, FD, 7),
            StepSpec("Colorectal screening result received", TaskKind.SCREENING, C, 45, after=2),
            StepSpec("Mammogram reminder call", TaskKind.OUTREACH_CALL, C, 10),
            StepSpec("Diabetic eye exam report on file", TaskKind.SCREENING, C, 60),
        ),
        goals=(
            ("HbA1c under control", "HbA1c below 8.0% within 6 months"),
            ("Age-appropriate cancer screenings up to date", "All screenings current this year"),
        ),
        interventions="Standing lab order for HbA1c.\nScreening outreach with scheduling support.\nResults tracked until on file.",
        episode_days=120,
    ),
    ProgramSpec(
        code="ccm",
        name="Chronic care management",
        description="Monthly coordination for patients with two or more chronic conditions.",
        template="Monthly CCM coordination",
        steps=(
            StepSpec("Initial care plan review with the patient", TaskKind.CHECK_IN, C, 0),
            StepSpec("Medication reconciliation", TaskKind.OTHER, MA, 3, after=0),
            StepSpec("Provider sign-off on the care plan", TaskKind.OTHER, PR, 7, after=1),
            StepSpec("Book the quarterly visit", TaskKind.SCHEDULING, FD, 10, after=2),
            StepSpec("Monthly CCM check-in call", TaskKind.CHECK_IN, C, 30, every=30),
        ),
        goals=(
            ("Blood pressure controlled", "Home readings below 140/90"),
            ("No avoidable emergency visits", "0 ED visits in 6 months"),
            ("Takes medications as prescribed", "Uses a pill organizer daily"),
        ),
        interventions="Monthly check-in call (20+ minutes).\nMedication reconciliation each quarter.\nCare plan shared with the patient and caregiver.",
    ),
    ProgramSpec(
        code="high-risk",
        name="High-risk monitoring",
        description="Weekly check-ins and escalation for patients at high risk of admission.",
        template="High-risk monitoring",
        steps=(
            StepSpec(
                "Post-discharge call within 2 business days",
                TaskKind.OUTREACH_CALL,
                C,
                2,
                priority=Priority.URGENT,
            ),
            StepSpec(
                "Confirm transitional care visit and transport",
                TaskKind.SCHEDULING,
                FD,
                -1,
                anchor=DueAnchor.NEXT_APPOINTMENT,
            ),
            StepSpec(
                "Weekly symptom check-in", TaskKind.CHECK_IN, C, 7, every=7, count=8, priority=Priority.HIGH
            ),
            StepSpec(
                "Review home blood pressure and weight log", TaskKind.CHECK_IN, MA, 14, every=14, count=6
            ),
            StepSpec(
                "Provider review of out-of-range readings", TaskKind.OTHER, PR, 10, priority=Priority.HIGH
            ),
        ),
        goals=(
            ("No readmission within 30 days", "0 admissions"),
            ("Weight stable", "Gain under 2 lb a day, 5 lb a week"),
        ),
        interventions="Weekly symptom check-in for 8 weeks.\nEscalate out-of-range readings to the provider the same day.\nTransitional care visit within 7 days.",
    ),
    ProgramSpec(
        code="referrals",
        name="Referral management",
        description="Specialist referrals tracked from sending to the consult note: closing the loop.",
        template="Specialist referral loop",
        steps=(
            StepSpec(
                "Send referral packet to the specialist", TaskKind.REFERRAL, C, 0, priority=Priority.HIGH
            ),
            StepSpec("Confirm the specialist appointment is scheduled", TaskKind.SCHEDULING, FD, 7, after=0),
            StepSpec("Consult note received from the specialist", TaskKind.REFERRAL, C, 30, after=1),
            StepSpec("Provider reviews the consult note: loop closed", TaskKind.REFERRAL, PR, 35, after=2),
        ),
        goals=(("Specialist consult completed", "Consult note on file within 45 days"),),
        interventions="Referral sent with records.\nAppointment confirmed with the specialist office.\nConsult note reviewed by the referring provider.",
        episode_days=60,
    ),
)

# Work that arrives outside any plan: (title, kind, role, waiting reason if it tends to wait).
AD_HOC = (
    ("Call patient about a missed appointment", TaskKind.OUTREACH_CALL, FD, "patient_callback"),
    ("Reschedule a cancelled visit", TaskKind.SCHEDULING, FD, "patient_callback"),
    ("Prior authorization for imaging", TaskKind.OTHER, C, "prior_auth"),
    ("Request hospital discharge summary", TaskKind.OTHER, MA, "other"),
    ("Answer patient portal message", TaskKind.OUTREACH_CALL, C, "patient_callback"),
    ("Flu vaccine reminder", TaskKind.OUTREACH_CALL, MA, "patient_callback"),
    ("Diabetes self-management education session", TaskKind.EDUCATION, C, "other"),
    ("Outside lab result to file", TaskKind.LAB, MA, "lab_result"),
)

OUTCOMES = {
    TaskKind.OUTREACH_CALL: (
        "Reached the patient; plan reviewed, no concerns.",
        "Spoke with the caregiver; questions answered.",
        "Patient confirmed understanding by teach-back.",
    ),
    TaskKind.LAB: ("Result received and reviewed: within target.", "Result reviewed; medication adjusted."),
    TaskKind.SCREENING: ("Screening done; report filed.", "Result normal; next due in one year."),
    TaskKind.REFERRAL: ("Specialist accepted the referral.", "Consult note received and reviewed."),
    TaskKind.CHECK_IN: (
        "Check-in done: symptoms stable.",
        "Check-in done: readings in range.",
        "Check-in done: concern passed to the provider.",
    ),
    TaskKind.SCHEDULING: ("Appointment booked.", "Visit booked; reminder sent."),
    TaskKind.EDUCATION: ("Material sent and reviewed with the patient.",),
    TaskKind.OTHER: ("Done; chart updated.", "Medication list reconciled."),
}
CANCEL_REASONS = (
    "Patient declined.",
    "Duplicate of another task.",
    "Patient moved to another practice.",
    "No longer indicated, per the provider.",
)
WAIT_NOTES = {
    "patient_callback": "Left a voicemail; patient to call back.",
    "lab_result": "Waiting for the outside lab to send results.",
    "referral_response": "Specialist office to confirm a date.",
    "prior_auth": "Prior authorization submitted to the insurer.",
    "other": "Waiting on records from the hospital.",
}
NOTES = (
    "Patient prefers calls after 3 pm.",
    "Daughter is the main contact; consent on file.",
    "Needs a Spanish interpreter.",
    "Transport arranged through the plan benefit.",
    "Patient asked for a text reminder the day before.",
)
REASSIGN_REASONS = (
    "Covering while the owner is out of office.",
    "Rebalancing the team's workload.",
    "Patient prefers a Spanish-speaking coordinator.",
    "Handoff: needs a clinical follow-up.",
)
RESCHEDULE_REASONS = (
    "Patient asked to be called next week.",
    "Waiting on the specialist's office to open slots.",
    "Owner out sick; pushed a few days.",
)
REOPEN_REASONS = ("Result was for the wrong order; redo.", "Patient did not actually book; follow up.")
APPOINTMENT_KINDS = (
    "Follow-up visit",
    "Annual wellness visit",
    "Telehealth check-in",
    "Transitional care visit",
)


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Obviously synthetic patients: ordinary first names, invented surnames.
FIRST_NAMES = words(
    "Ada Alma Ana Arlo Avery Bea Ben Cal Cora Dana Dev Eli Ella Emil Eva Finn Gia Gus Hana Hugo Ida "
    "Ines Ira Jade Jon Jun Kai Kira Lena Leo Lou Mae Malik Mia Milo Nia Noor Omar Opal Otis Pia Rae "
    "Ravi Rosa Ruth Sami Sara Tess Theo Uma Vera Wes Yara Zane Zoe"
)
LAST_NAMES = words(
    "Alderwood Ashgrove Birchfield Brightwater Copperleaf Cinderby Dunmore Elmsworth Fernhollow Foxmere "
    "Glenbrook Hartwell Hollowell Ivyridge Juniperly Kestrelton Larkspur Lindqvale Marlowe Mossbank "
    "Northcott Oakhaven Pennyworth Quillfeather Rosemont Rushby Silverthorn Stonebridge Thistlewood "
    "Underhill Valewood Willowby Wrenfield Yarrowby Zephyrine"
)
AREA_CODES = ("212", "315", "412", "518", "607", "716", "845")


def mrn_for(n: int) -> str:
    """The n-th patient's MRN: eight digits, as an EHR's read, unique for n below 90 million.
    Scattered (n times a number prime to 9 * 10**7, modulo it) so neighbours do not look
    numbered; the pages print "MRN " before it."""
    return str(10_000_000 + n * 31_415_927 % 90_000_000)


# How work ends up, by where its due date sits against today: (final status, weight).
STATUS_MIX = {
    "future": (
        (Status.NEW, 80),
        (Status.IN_PROGRESS, 7),
        (Status.WAITING, 5),
        (Status.COMPLETED, 5),
        (Status.CANCELLED, 3),
    ),
    "today": ((Status.NEW, 45), (Status.IN_PROGRESS, 30), (Status.WAITING, 10), (Status.COMPLETED, 15)),
    "recent": (
        (Status.COMPLETED, 62),
        (Status.CANCELLED, 5),
        (Status.NEW, 12),
        (Status.IN_PROGRESS, 12),
        (Status.WAITING, 9),
    ),
    "month": (
        (Status.COMPLETED, 84),
        (Status.CANCELLED, 7),
        (Status.NEW, 3),
        (Status.IN_PROGRESS, 3),
        (Status.WAITING, 3),
    ),
    "old": (
        (Status.COMPLETED, 91),
        (Status.CANCELLED, 8),
        (Status.NEW, 0.4),
        (Status.IN_PROGRESS, 0.3),
        (Status.WAITING, 0.3),
    ),
}
RISK_MIX = (("low", 60), ("medium", 28), ("high", 12))
# Tasks per patient relative to the average, by risk: high-risk patients carry more work.
RISK_LOAD = {"low": 0.75, "medium": 1.1, "high": 1.8}


def weighted(pairs) -> tuple[tuple, list[float]]:
    """(values, cumulative weights): bisect a random number into it to pick a value."""
    values, weights = zip(*pairs, strict=True)
    total, running, cumulative = sum(weights), 0.0, []
    for w in weights:
        running += w
        cumulative.append(running / total)
    return values, cumulative


def programs_for(rng: random.Random, risk: str, programs: dict[str, ProgramInfo]) -> list[ProgramInfo]:
    """The programs a patient of this risk level is enrolled in."""
    chosen = []
    if risk == "high":
        chosen.append("high-risk")
        if rng.random() < 0.7:
            chosen.append("ccm")
    elif risk == "medium" and rng.random() < 0.6:
        chosen.append("ccm")
    for code, chance in (("care-gaps", 0.55), ("post-visit", 0.45), ("referrals", 0.2)):
        if rng.random() < chance:
            chosen.append(code)
    if not chosen:
        chosen.append(rng.choice(("care-gaps", "post-visit")))
    rng.shuffle(chosen)
    return [programs[code] for code in chosen if code in programs]


@dataclass
class StepInfo:
    id: int
    spec: StepSpec
    depends_on_id: int | None


@dataclass
class ProgramInfo:
    """A program as loaded, and what its template yields over time."""

    id: int
    template_id: int
    spec: ProgramSpec
    steps: list[StepInfo]

    @property
    def one_offs(self) -> int:
        return sum(1 for s in self.steps if not s.spec.every)

    @property
    def anchors_on_appointment(self) -> bool:
        return any(s.spec.anchor == DueAnchor.NEXT_APPOINTMENT for s in self.steps)

    def end(self, start: dt.date) -> dt.date | None:
        days = self.spec.episode_days
        return start + dt.timedelta(days=days) if days else None

    @staticmethod
    def occurrences(spec: StepSpec, first_due: dt.date, end: dt.date | None, today: dt.date) -> int:
        """Occurrences that exist by `today`: the next is created when the previous falls due."""
        every = spec.every
        n = 1 if first_due > today else (today - first_due).days // every + 2
        if spec.count:
            n = min(n, spec.count)
        if end is not None:
            n = min(n, max(1, (end - first_due).days // every + 1))
        return n

    def count(self, start: dt.date, today: dt.date) -> int:
        """How many tasks a plan started on `start` has by `today` (without scheduling them)."""
        end = self.end(start)
        n = 0
        for step in self.steps:
            spec = step.spec
            first_due = start + dt.timedelta(days=max(spec.offset, 0))
            n += self.occurrences(spec, first_due, end, today) if spec.every else 1
        return n

    def slots(self, start: dt.date, appointment: dt.date | None, today: dt.date, calendar: WorkCalendar):
        """(step, occurrence, due date) of each task a plan started on `start` has by `today`,
        dated as intake dates them (business-day steps on `calendar`'s working days)."""
        end = self.end(start)
        out = []
        for step in self.steps:
            spec = step.spec
            on_visit = spec.anchor == DueAnchor.NEXT_APPOINTMENT and appointment
            anchor = appointment if on_visit else start
            if spec.unit == DueUnit.BUSINESS_DAYS:
                due = calendar.add_business_days(anchor, spec.offset)
            else:
                due = anchor + dt.timedelta(days=spec.offset)
            first_due = max(start, due)
            if not spec.every:
                out.append((step, 1, first_due))
                continue
            for occurrence in range(1, self.occurrences(spec, first_due, end, today) + 1):
                out.append((step, occurrence, first_due + dt.timedelta(days=spec.every * (occurrence - 1))))
        return out


def build_programs() -> dict[str, ProgramInfo]:
    programs = {}
    for spec in PROGRAMS:
        program, _ = Program.objects.get_or_create(
            code=spec.code, defaults={"name": spec.name, "description": spec.description}
        )
        template, created = CarePlanTemplate.objects.get_or_create(
            program=program, name=spec.template, defaults={"description": spec.description}
        )
        if created:
            made: list[TemplateTask] = []
            for position, step in enumerate(spec.steps):
                made.append(
                    TemplateTask.objects.create(
                        template=template,
                        position=position,
                        title=step.title,
                        kind=step.kind,
                        assignee_group=Group.objects.get(name=step.role),
                        due_anchor=step.anchor,
                        due_offset_days=step.offset,
                        due_offset_unit=step.unit,
                        recurrence_days=step.every,
                        recurrence_count=step.count,
                        priority=step.priority,
                        depends_on=made[step.after] if step.after is not None else None,
                    )
                )
        by_title = {row.title: row for row in template.tasks.all()}
        # An admin may have edited the template since: steps still match by title, or are skipped.
        steps = [
            StepInfo(by_title[step.title].pk, step, by_title[step.title].depends_on_id)
            for step in spec.steps
            if step.title in by_title
        ]
        programs[spec.code] = ProgramInfo(program.pk, template.pk, spec, steps)
    return programs
