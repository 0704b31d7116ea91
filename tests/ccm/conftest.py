import datetime as dt

import pytest
from django.utils import timezone

from ccm import actions
from ccm.models import CCM_PROGRAM_CODE
from tests.factories import CarePlanFactory, ProgramFactory


@pytest.fixture
def ccm_program(db):
    return ProgramFactory(code=CCM_PROGRAM_CODE, name="Chronic care management")


@pytest.fixture
def month_start(today):
    return today.replace(day=1)


@pytest.fixture
def consented(patient, coordinator, month_start):
    """`patient` with CCM consent from before this month."""
    actions.record_consent(
        patient, by=coordinator, consented_on=month_start - dt.timedelta(days=40), method="verbal"
    )
    return patient


@pytest.fixture
def ccm_plan(patient, provider, ccm_program):
    return CarePlanFactory(patient=patient, author=provider, program=ccm_program)


def minutes_on(patient, *, by, minutes, day=None, task=None, description="Call about medications"):
    return actions.add_time(
        patient,
        by=by,
        performed_on=day or timezone.localdate(),
        minutes=minutes,
        description=description,
        task=task,
    )
