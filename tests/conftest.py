"""One fixture per role. Everyone but the outsider works in `team`; the outsider is a care
coordinator of `other_team`. Roles are the groups seeded by accounts/migrations/0003_seed_roles."""

import pytest
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, user_has_device

from accounts.roles import Role
from accounts.twofactor import requires_two_factor
from tests.factories import CarePlanFactory, CareTeamFactory, PatientFactory, TaskFactory, UserFactory, member

ROLE_FIXTURES = (
    "provider",
    "coordinator",
    "medical_assistant",
    "front_desk",
    "manager",
    "admin",
    "outsider",
)


class SignedInClient(Client):
    """Django's test client, whose force_login stands for the whole sign-in: the password and,
    for whoever has or needs an authenticator, the second step too (a phone set up before the
    test). tests/accounts/test_two_factor.py drives the real second step."""

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        fresh = type(user).objects.get(pk=user.pk)  # leaves the caller's rights caches alone
        if requires_two_factor(fresh) or user_has_device(fresh):
            from tests.helpers import authenticator

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = authenticator(fresh).persistent_id
            session.save()


@pytest.fixture
def client():
    return SignedInClient()


@pytest.fixture
def postgresql(db):
    """For tests only PostgreSQL can run (concurrent writers, percentile_cont): skipped on a
    developer's SQLite, failed in CI, which must run them."""
    from django.db import connection

    from tests.helpers import unavailable

    if connection.vendor != "postgresql":
        unavailable(f"needs PostgreSQL (DATABASE_URL); the database is {connection.vendor}")


@pytest.fixture
def today():
    """The practice's today (settings.TIME_ZONE), as the app reads it: never date.today()."""
    return timezone.localdate()


@pytest.fixture
def team(db):
    return CareTeamFactory(name="North team")


@pytest.fixture
def other_team(db):
    return CareTeamFactory(name="South team")


@pytest.fixture
def provider(team):
    return member(Role.PROVIDER, team, username="provider")


@pytest.fixture
def coordinator(team):
    return member(Role.COORDINATOR, team, username="coordinator")


@pytest.fixture
def colleague(team):
    """A second coordinator of the team: someone to reassign to."""
    return member(Role.COORDINATOR, team, username="colleague")


@pytest.fixture
def medical_assistant(team):
    return member(Role.MEDICAL_ASSISTANT, team, username="assistant")


@pytest.fixture
def front_desk(team):
    return member(Role.FRONT_DESK, team, username="frontdesk")


@pytest.fixture
def manager(team):
    """Works in and manages `team`."""
    return member(Role.MANAGER, team, username="manager")


@pytest.fixture
def other_manager(other_team):
    return member(Role.MANAGER, other_team, username="othermanager")


@pytest.fixture
def admin(team):
    """The Admin role, staff for the Django admin. Also holds the team right, so that what
    keeps them off patient records is their role, not their scope."""
    return member(Role.ADMIN, team, username="admin", is_staff=True)


@pytest.fixture
def compliance(db):
    """The Compliance role: reviews the audit of the whole practice, works in no team."""
    return UserFactory(username="compliance", roles=[Role.COMPLIANCE])


@pytest.fixture
def outsider(other_team):
    return member(Role.COORDINATOR, other_team, username="outsider")


@pytest.fixture
def superuser(db):
    """Staff with every right, and a member of no team (scope still comes from team rights)."""
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def patient(team, provider):
    return PatientFactory(care_team=team, primary_provider=provider)


@pytest.fixture
def other_patient(other_team):
    return PatientFactory(care_team=other_team)


@pytest.fixture
def care_plan(patient, provider):
    return CarePlanFactory(patient=patient, author=provider)


@pytest.fixture
def other_care_plan(other_patient):
    return CarePlanFactory(patient=other_patient)


@pytest.fixture
def task(patient, coordinator):
    """A New outreach call on `patient`, owned by the coordinator."""
    return TaskFactory(patient=patient, owner=coordinator)


@pytest.fixture
def other_task(other_patient, outsider):
    return TaskFactory(patient=other_patient, owner=outsider)


@pytest.hookimpl(tryfirst=True)  # before pytest-django's own hook, which orders tests by DB use
def pytest_collection_modifyitems(items):
    # pytest-django runs transactional tests (the browser tests) after the database tests, because
    # their flush empties the role groups the data migration seeded. A test that reaches the
    # database only through request.getfixturevalue() looks DB-free to it and would run after
    # the flush; marking every unmarked test as a database test keeps them all before it.
    for item in items:
        if item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db)


@pytest.fixture
def world(request, db):
    """A user of every role and objects of their team and another (tests/config/url_calls.World):
    what the authorization matrix and the access log tests call every URL on."""
    from tests.config.url_calls import World  # the matrix's module, loaded only by its tests

    return World(request)
