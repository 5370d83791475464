"""The feedback contract end to end: a blend leaf and a feedback_given leaf computed from real
Feedback rows (not the fakes), through presentations.feedback_selectors.

The small course: organisation 25 (blend, peer share 0.7, question organisation on 1-5,
floor 1/5) and feedback-given 5. Session 1 is on 2025-09-09, 10:30-11:50 in Hong Kong; its
feedback window closes 72 hours after it ends.
"""

import datetime as dt
import zoneinfo
from decimal import Decimal as D

import pytest

from courseapp.models import Course
from grading.selectors import gradebook_rows
from presentations.feedback_services import feedback_hide, feedback_submit
from tests.grading.conftest import enrolment_of, give_talk

pytestmark = pytest.mark.django_db

HK = zoneinfo.ZoneInfo("Asia/Hong_Kong")
DURING = dt.datetime(2025, 9, 10, 9, 0, tzinfo=HK)


def rate(reviewer, talk, value, comment="A clear talk, well argued."):
    feedback, _ = feedback_submit(
        reviewer=reviewer,
        presentation=talk,
        scores={"organisation": value},
        comment=comment,
        actor=reviewer.user,
        via="page",
        now=DURING,
    )
    return feedback


def test_blend_and_feedback_given_from_real_feedback(
    course, instructor, student, other_student, make_students, time_machine
):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    alice, bob = enrolment_of(student, course), enrolment_of(other_student, course)
    alice_talk = give_talk(alice, position=1, paper_key="zero")
    bob_talk = give_talk(bob, position=2, paper_key="vllm")
    r0, r1, r2, r3 = make_students(4, prefix="r")
    for reviewer in (r0, r1, r2, r3):
        reviewer.course = course
    # Peer ratings of alice's talk: 4, 5, 3 (and a 1 that staff hide): mean 4.
    rate(r0, alice_talk, 4)
    rate(r1, alice_talk, 5)
    rate(r2, alice_talk, 3)
    hidden = rate(r3, alice_talk, 1, comment="Rude words only.")
    feedback_hide(feedback=hidden, reason="Abusive", actor=instructor, via="page")
    # r0 also reviews bob's talk; r1 and r2 do not.
    rate(r0, bob_talk, 2)
    # The instructor rates alice's talk with the same form: a 3.
    rate(enrolment_of(instructor, course), alice_talk, 3)

    time_machine.move_to(dt.datetime(2025, 10, 1, 12, 0, tzinfo=HK), tick=False)
    book = gradebook_rows(course=course)
    rows = {row.enrollment.pk: row for row in book.rows}

    organisation = rows[alice.pk].leaves["organisation"]
    # peer: mean 4 on 1..5 -> share 0.2 + 0.8 * 3/4 = 0.8 -> 25 * 0.8 = 20
    # instructor part: 3 -> share 0.6 -> 25 * 0.6 = 15; blend 0.7 * 20 + 0.3 * 15 = 18.50
    assert organisation.value == D("18.50")
    assert not organisation.too_few_reviews

    # Each reviewer without a talk owes both talks (scope all_other_sessions).
    assert rows[r0.pk].leaves["feedback-given"].value == D("5.00")  # 2 of 2
    assert rows[r1.pk].leaves["feedback-given"].value == D("2.50")  # 1 of 2
    assert rows[r3.pk].leaves["feedback-given"].value == D("0.00")  # hidden: not given
    # bob's talk has one review: too few, so the blend has no peer part and no staff rating.
    assert rows[bob.pk].leaves["organisation"].too_few_reviews
