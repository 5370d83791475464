"""Two uploads of one owner at once get versions n and n + 1: the owner's row lock decides
(the unique constraint backs it). Real threads with their own connections on PostgreSQL."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.db import connection

from conftest import enrol, load_course_text, make_user
from courseapp.models import Role
from submissions.models import Deliverable, Submission
from submissions.services import submission_upload, teams_import
from tests.grading.test_concurrency import run_together
from tests.submissions.conftest import deliverables_course_text, pdf_upload

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]
HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")


@pytest.fixture(autouse=True)
def _before_the_deadline():
    with time_machine.travel(dt.datetime(2025, 9, 20, tzinfo=HK), tick=False):
        yield


@pytest.mark.parametrize("round_", range(3))
def test_two_team_members_uploading_at_once_get_two_versions(round_):
    course = load_course_text(deliverables_course_text())
    prof, alice, bob = make_user("prof"), make_user("alice"), make_user("bob")
    enrol(prof, course, Role.INSTRUCTOR)
    enrol(alice, course, Role.STUDENT)
    enrol(bob, course, Role.STUDENT)
    teams_import(course=course, csv_text="Owls,alice\nOwls,bob\n", actor=prof, via="web")
    plan = Deliverable.objects.get(course=course, key="plan")

    def upload(user):
        return lambda: submission_upload(
            deliverable=plan, user=user, upload=pdf_upload(2), via="web"
        )

    results = run_together(upload(alice), upload(bob))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Submission.objects.values_list("version", flat=True)) == [1, 2]
