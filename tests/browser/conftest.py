"""Fixtures for the browser smoke tests: Debian's Chromium driven by Playwright's sync API against
pytest-django's live server, plus a small practice built with the ORM and the real actions."""

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser.helpers import PASSWORD, member
from tests.helpers import unavailable

# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run in a thread
# with a running loop unless told this is deliberate. Only the test process sets it, never the app.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it in CI)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class ConsoleLog:
    """Everything the page reported that a person would not see: console errors and warnings,
    uncaught exceptions, and failed requests (a CSP violation is a console error in Chromium)."""

    def __init__(self, page):
        self.messages: list[str] = []
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("requestfailed", lambda req: self.errors.append(f"requestfailed: {req.url} {req.failure}"))
        page.on(
            "response",
            lambda resp: resp.status >= 400 and self.errors.append(f"HTTP {resp.status}: {resp.url}"),
        )

    def _on_console(self, message):
        where = message.location.get("url", "")
        line = f"console.{message.type}: {message.text} [{where}:{message.location.get('lineNumber')}]"
        self.messages.append(line)
        if message.type in ("error", "warning"):
            self.errors.append(line)

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m]

    @property
    def errors_but_cancelled(self) -> list[str]:
        """`errors` less the requests the browser cancelled itself (net::ERR_ABORTED): leaving a
        page while its inbox badge is still loading cancels that request, which nobody sees and no
        server caused. Any answer of 400 or more, or other network failure, still counts."""
        return [e for e in self.errors if not (e.startswith("requestfailed:") and "net::ERR_ABORTED" in e)]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_log = ConsoleLog(page)
    yield page
    context.close()


@pytest.fixture
def axe_page(page):
    """The page with axe-core, injected by the browser protocol before any page script runs, so
    the strict CSP is not loosened to let it in. axe is a dev dependency: missing, it fails."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: npm ci (make install) puts axe-core there")
    page.add_init_script(path=str(AXE))
    return page


@pytest.fixture
def screenshot(page, request):
    """screenshot("name") saves test-artifacts/<test>-<n>-<name>.png (gitignored) and returns it."""
    ARTIFACTS.mkdir(exist_ok=True)
    counter = iter(range(1, 100))

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{next(counter):02d}-{name}.png"
        # caret="initial": Playwright's caret hiding writes style attributes into the page, which
        # htmx then copies while settling a swap, and the strict CSP rightly reports that.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


@pytest.fixture
def practice(django_db_blocker):
    """One team with a coordinator, a provider, a patient on a care plan, and two open tasks."""
    from accounts.models import CareTeam, Location
    from accounts.roles import Role, sync_role_permissions
    from careplans.models import CarePlan, CarePlanStatus, Enrollment, Goal, Patient, Program, RiskLevel
    from tasks.actions import create_task
    from tasks.choices import Priority, TaskKind

    # Roles come from a data migration; a transactional test before this one may have flushed
    # them, so put them back (idempotent) rather than depend on test order.
    sync_role_permissions()

    today = timezone.localdate()
    location = Location.objects.create(name="Main Street Clinic")
    team = CareTeam.objects.create(name="Team Blue", location=location)

    coordinator = member(team, "coordinator", "Casey", "Coleman", Role.COORDINATOR)
    provider = member(team, "provider", "Priya", "Patel", Role.PROVIDER)

    program = Program.objects.create(code="ccm", name="Chronic Care Management")
    patient = Patient.objects.create(
        mrn="MRN-1001",
        first_name="Ada",
        last_name="Lovelace",
        birth_date=datetime.date(1950, 12, 10),
        phone="(555) 010-1234",
        primary_provider=provider,
        care_team=team,
        location=location,
        risk_level=RiskLevel.HIGH,
    )
    Enrollment.objects.create(
        patient=patient, program=program, started_on=today - datetime.timedelta(days=30)
    )
    plan = CarePlan.objects.create(
        patient=patient,
        program=program,
        status=CarePlanStatus.ACTIVE,
        starts_on=today - datetime.timedelta(days=30),
        author=provider,
        interventions="Monthly check-in call; quarterly A1c.",
    )
    Goal.objects.create(care_plan=plan, description="A1c below 7.5%", target="7.5%")

    call = create_task(
        patient=patient,
        by=provider,
        title="Call about A1c lab order",
        kind=TaskKind.OUTREACH_CALL,
        owner=coordinator,
        due_on=today + datetime.timedelta(days=2),
        priority=Priority.HIGH,
        care_plan=plan,
    )
    create_task(
        patient=patient,
        by=provider,
        title="Schedule quarterly visit",
        kind=TaskKind.SCHEDULING,
        owner=coordinator,
        due_on=today + datetime.timedelta(days=10),
        care_plan=plan,
    )
    return {
        "coordinator": coordinator,
        "password": PASSWORD,
        "patient": patient,
        "task": call,
        "today": today,
    }


@pytest.fixture
def work_day(practice):
    """The practice's coordinator with work in every My work section, a colleague of the same team
    to hand work to, a front desk user, an upcoming appointment and a care plan template with rows
    anchored on the plan start and on that appointment."""
    from django.contrib.auth.models import Group

    from accounts.roles import Role
    from careplans.models import Appointment, CarePlanTemplate, DueAnchor, Program
    from tasks.actions import create_task
    from tasks.choices import Priority, TaskKind

    patient, coordinator, today = practice["patient"], practice["coordinator"], practice["today"]
    team = patient.care_team
    provider = patient.primary_provider

    colleague = member(team, "colleague", "Riley", "Chen", Role.COORDINATOR)
    front_desk = member(team, "frontdesk", "Frankie", "Desmond", Role.FRONT_DESK)

    def task(title, days, kind=TaskKind.OUTREACH_CALL, priority=Priority.NORMAL):
        return create_task(
            patient=patient,
            by=provider,
            title=title,
            kind=kind,
            owner=coordinator,
            due_on=today + datetime.timedelta(days=days),
            priority=priority,
            care_plan=practice["task"].care_plan,
        )

    appointment = Appointment.objects.create(
        patient=patient,
        provider=provider,
        kind="Diabetes follow-up",
        starts_at=timezone.now() + datetime.timedelta(days=14),
    )
    program = Program.objects.get(code="ccm")
    template = CarePlanTemplate.objects.create(program=program, name="Diabetes, first 90 days")
    coordinators = Group.objects.get(name=Role.COORDINATOR)
    template.tasks.create(
        position=1,
        title="Welcome call",
        kind=TaskKind.OUTREACH_CALL,
        due_offset_days=2,
        assignee_group=coordinators,
    )
    template.tasks.create(
        position=2,
        title="Pre-visit lab order",
        kind=TaskKind.LAB,
        due_anchor=DueAnchor.NEXT_APPOINTMENT,
        due_offset_days=-7,
        assignee_group=coordinators,
    )
    template.tasks.create(
        position=3,
        title="Monthly check-in",
        kind=TaskKind.CHECK_IN,
        due_offset_days=30,
        recurrence_days=30,
        assignee_group=coordinators,
    )
    return {
        **practice,
        "colleague": colleague,
        "front_desk": front_desk,
        "appointment": appointment,
        "template": template,
        "upcoming": practice["task"],  # due in 2 days
        "due_today": task("Check-in call", 0, TaskKind.CHECK_IN),
        "overdue": task("Referral follow-up", -2, TaskKind.REFERRAL, Priority.HIGH),
        "oldest": task("Call about missed visit", -3),
    }
