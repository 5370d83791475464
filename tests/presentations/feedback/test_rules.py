"""Who owes what, the window, one row per reviewer, moderation, excusal, release, credit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from courseapp.models import AuditEntry, Course
from presentations import feedback_selectors as fs
from presentations.feedback_services import (
    FeedbackError,
    feedback_excuse,
    feedback_hide,
    feedback_release,
    feedback_restore,
    feedback_submit,
)
from presentations.models import Feedback, FeedbackRating, Paper, Presentation
from tests.presentations.feedback.conftest import (
    AFTER_ALL,
    DURING_S1,
    S1_CLOSES,
    S1_OPENS,
    SCORES,
    book,
    enrolment,
    session_of,
)

pytestmark = pytest.mark.django_db

SECOND = dt.timedelta(seconds=1)


def owed_keys(student_enrolment):
    return sorted(item.talk.paper.key for item in fs.owed_talks(student=student_enrolment))


def submit(reviewer, talk, *, now=DURING_S1, scores=SCORES, comment="Clear and well paced."):
    return feedback_submit(
        reviewer=reviewer,
        presentation=talk,
        scores=scores,
        comment=comment,
        actor=reviewer.user,
        via="page",
        now=now,
    )


# --- scopes -------------------------------------------------------------------------------


def test_default_scope_is_the_other_sessions_of_ones_category(
    course, student, other_student, talks
):
    alice, bob = enrolment(student, course), enrolment(other_student, course)
    # alice (session 1, training) owes bob's talk in session 2, not carol's in her own session.
    assert owed_keys(alice) == ["t2"]
    # bob (session 2) owes both talks of session 1; dave's inference talk is no one's here.
    assert owed_keys(bob) == ["t1", "t3"]


def test_other_talks_in_category_includes_the_own_session(course, student, talks):
    course.feedback_scope = Course.FeedbackScope.OTHER_TALKS_IN_CATEGORY
    course.save()
    assert owed_keys(enrolment(student, course)) == ["t2", "t3"]


def test_all_other_sessions_crosses_categories(course, student, make_students, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    assert owed_keys(enrolment(student, course)) == ["i1", "t2"]
    # A student without a talk owes every talk under an all_* scope ...
    (newcomer,) = make_students(1, prefix="n")
    assert owed_keys(newcomer) == ["i1", "t1", "t2", "t3"]


def test_a_student_without_a_category_owes_nothing(course, make_students, talks):
    (newcomer,) = make_students(1, prefix="n")
    assert owed_keys(newcomer) == []


def test_a_paper_without_a_slot_gives_the_category(course, make_students, talks):
    (newcomer,) = make_students(1, prefix="n")
    Presentation.objects.create(
        course=course, student=newcomer, paper=Paper.objects.get(course=course, key="t6")
    )
    # No session of her own yet: every training talk is owed.
    assert owed_keys(newcomer) == ["t1", "t2", "t3"]


def test_withdrawn_students_owe_nothing_and_are_owed_nothing(course, student, other_student, talks):
    alice, bob = enrolment(student, course), enrolment(other_student, course)
    bob.status = bob.Status.WITHDRAWN
    bob.save()
    assert owed_keys(alice) == []  # bob's talk is no longer owed
    assert owed_keys(enrolment(other_student, course)) == []


def test_no_one_reviews_their_own_talk(course, student, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    alice = enrolment(student, course)
    with pytest.raises(FeedbackError) as refused:
        submit(alice, talks["alice"])
    assert refused.value.code == "own_talk"
    assert not Feedback.objects.exists()


def test_a_talk_not_owed_is_refused(course, student, talks):
    with pytest.raises(FeedbackError) as refused:
        submit(enrolment(student, course), talks["carol"])  # her own session
    assert refused.value.code == "not_owed"


# --- the window ---------------------------------------------------------------------------


def test_window_opens_on_the_second_the_session_starts(course, other_student, talks):
    bob = enrolment(other_student, course)
    with pytest.raises(FeedbackError) as refused:
        submit(bob, talks["alice"], now=S1_OPENS - SECOND)
    assert refused.value.code == "window_not_open"
    assert "Tue 9 Sep 2025, 10:30" in refused.value.message  # in the course's time zone
    feedback, created = submit(bob, talks["alice"], now=S1_OPENS)
    assert created
    assert feedback.submitted_at == S1_OPENS


def test_window_closes_on_the_second_window_hours_after_the_session(course, other_student, talks):
    bob = enrolment(other_student, course)
    session = session_of(course, 1)
    assert fs.window_closes(session) == S1_CLOSES
    submit(bob, talks["alice"], now=S1_CLOSES - SECOND)
    with pytest.raises(FeedbackError) as refused:
        submit(bob, talks["carol"], now=S1_CLOSES)
    assert refused.value.code == "window_closed"
    assert "Fri 12 Sep 2025, 11:50" in refused.value.message


def test_feedback_can_be_edited_until_the_window_closes(course, other_student, talks):
    bob = enrolment(other_student, course)
    first, created = submit(bob, talks["alice"])
    again, created_again = submit(
        bob, talks["alice"], scores={"organisation": 2, "answering": 3}, now=S1_CLOSES - SECOND
    )
    assert created
    assert not created_again
    assert first.pk == again.pk
    assert Feedback.objects.count() == 1
    assert sorted(FeedbackRating.objects.values_list("value", flat=True)) == [2, 3]
    assert AuditEntry.objects.filter(action="feedback.update").count() == 1
    with pytest.raises(FeedbackError):
        submit(bob, talks["alice"], now=S1_CLOSES)


@pytest.mark.parametrize(
    ("scores", "comment", "field"),
    [
        ({"organisation": 4}, "Fine talk overall", "answering"),
        ({"organisation": 9, "answering": 1}, "Fine talk overall", "organisation"),
        ({"organisation": "x", "answering": 1}, "Fine talk overall", "organisation"),
        ({"organisation": 4, "answering": 1, "nope": 3}, "Fine talk overall", "scores"),
        ({"organisation": 4, "answering": 1}, "ok", "comment"),
        ("not a dict", "Fine talk overall", "scores"),
    ],
)
def test_bad_input_is_refused_field_by_field(course, other_student, talks, scores, comment, field):
    with pytest.raises(ValidationError) as refused:
        submit(enrolment(other_student, course), talks["alice"], scores=scores, comment=comment)
    assert field in refused.value.message_dict
    assert not Feedback.objects.exists()


def test_a_required_comment(course, other_student, talks):
    course.feedback_comment_required = True
    course.save()
    with pytest.raises(ValidationError) as refused:
        submit(enrolment(other_student, course), talks["alice"], comment="  ")
    assert refused.value.message_dict["comment"] == ["A comment is required."]


# --- staff ratings ------------------------------------------------------------------------


def test_instructor_rates_with_the_same_form_but_not_as_a_peer(course, instructor, ta, talks):
    prof = enrolment(instructor, course)
    feedback, _ = submit(prof, talks["alice"], now=AFTER_ALL)  # staff: no window
    assert feedback.by_staff
    assert fs.peer_aggregates(course=course, now=AFTER_ALL)[talks["alice"].pk].reviews == 0
    assert fs.staff_ratings(course=course) == {
        talks["alice"].pk: {"organisation": Decimal("0.8"), "answering": Decimal(1)}
    }
    with pytest.raises(FeedbackError) as refused:
        submit(enrolment(ta, course), talks["alice"])
    assert refused.value.code == "not_allowed"
    course.ta_can_rate = True
    course.save()
    assert submit(enrolment(ta, course), talks["alice"])[0].by_staff


# --- moderation and excusal ---------------------------------------------------------------


def test_hiding_takes_feedback_out_of_aggregates_and_credit(
    course, instructor, other_student, talks
):
    bob = enrolment(other_student, course)
    feedback, _ = submit(bob, talks["alice"])
    submit(bob, talks["carol"])
    credit = fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk]
    assert (credit.owed, credit.given_in_time, credit.hidden) == (2, 2, 0)

    with pytest.raises(ValidationError):
        feedback_hide(feedback=feedback, reason=" ", actor=instructor, via="page")
    feedback_hide(feedback=feedback, reason="Abusive comment", actor=instructor, via="page")

    assert fs.peer_aggregates(course=course, now=AFTER_ALL)[talks["alice"].pk].reviews == 0
    credit = fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk]
    assert (credit.owed, credit.given_in_time, credit.hidden) == (2, 1, 1)
    assert credit.ratio == Decimal("0.5")
    mine = fs.feedback_given_by(reviewer=bob)
    assert [
        (f.hidden, f.hidden_reason) for f in mine if f.presentation_id == talks["alice"].pk
    ] == [(True, "Abusive comment")]
    entry = AuditEntry.objects.get(action="feedback.hide")
    assert entry.reason == "Abusive comment"
    assert entry.actor == instructor
    with pytest.raises(FeedbackError) as refused:
        submit(bob, talks["alice"])
    assert refused.value.code == "hidden"

    feedback_restore(feedback=feedback, actor=instructor, via="page")
    assert fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk].given_in_time == 2
    assert AuditEntry.objects.filter(action="feedback.restore").count() == 1


def test_an_excused_session_is_not_owed(course, instructor, other_student, talks):
    bob = enrolment(other_student, course)
    submit(bob, talks["alice"])
    feedback_excuse(
        student=bob,
        session=session_of(course, 1),
        reason="Sick leave",
        actor=instructor,
        via="page",
    )
    credit = fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk]
    assert (credit.owed, credit.excused, credit.ratio) == (0, 2, Decimal(1))
    assert AuditEntry.objects.get(action="feedback.excuse").reason == "Sick leave"
    with pytest.raises(FeedbackError) as refused:
        feedback_excuse(
            student=bob,
            session=session_of(course, 1),
            reason="Again",
            actor=instructor,
            via="page",
        )
    assert refused.value.code == "already_excused"


def test_credit_counts_closed_windows_and_free_misses(course, other_student, talks):
    bob = enrolment(other_student, course)
    submit(bob, talks["alice"])
    during = fs.feedback_credit(course=course, now=DURING_S1)[bob.pk]
    assert (during.owed, during.upcoming, during.ratio) == (0, 2, Decimal(1))
    after = fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk]
    assert (after.owed, after.given_in_time, after.ratio) == (2, 1, Decimal("0.5"))
    course.feedback_free_misses = 1
    course.save()
    assert fs.feedback_credit(course=course, now=AFTER_ALL)[bob.pk].ratio == Decimal(1)


# --- aggregation maths --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "values", "expected"),
    [
        ("mean", [1, 2, 3, 5, 5], Decimal("3.2")),
        ("median", [1, 2, 3, 5, 5], Decimal(3)),
        ("median", [1, 2, 4, 5], Decimal(3)),
        # 10 ratings, 10% cut from each end: the 1 and the 5 go, the mean of the rest.
        ("trimmed_mean", [1, 3, 3, 3, 3, 4, 4, 4, 4, 5], Decimal("3.5")),
        # 5 ratings: floor(0.5) = 0 cut, the plain mean.
        ("trimmed_mean", [1, 2, 3, 5, 5], Decimal("3.2")),
        ("mean", [], None),
    ],
)
def test_aggregation_methods(method, values, expected):
    assert fs.aggregate_values(values, method=method, trim_fraction=Decimal("0.10")) == expected


def test_spread_is_the_population_standard_deviation():
    assert fs.spread_of([2, 4, 4, 4, 5, 5, 7, 9]) == Decimal(2)
    assert fs.spread_of([3]) == Decimal(0)
    assert fs.spread_of([]) is None


def test_per_talk_aggregate_share_and_disagreement(course, make_students, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    reviewers = make_students(4, prefix="r")
    for reviewer, value in zip(reviewers, [1, 5, 1, 5], strict=True):
        submit(reviewer, talks["alice"], scores={"organisation": value, "answering": 3})
    aggregate = fs.peer_aggregates(course=course, now=AFTER_ALL)[talks["alice"].pk]
    organisation = aggregate.questions["organisation"]
    assert (organisation.n, organisation.aggregate, organisation.spread) == (4, 3, 2)
    assert (organisation.minimum, organisation.maximum) == (1, 5)
    # 3 on 1..5 with the default floor 1/5: 0.2 + 0.8 * (3-1)/4 = 0.6
    assert organisation.share == Decimal("0.6")
    assert aggregate.disagreement  # 2 > 1.25
    assert aggregate.share(["organisation", "answering"]) == Decimal("0.6")
    assert aggregate.share(["missing"]) is None


# --- release ------------------------------------------------------------------------------


def test_release_needs_the_window_closed_and_min_reviews(course, student, make_students, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    first, second = make_students(2, prefix="r")
    submit(first, talks["alice"])
    alice = enrolment(student, course)
    assert fs.received_feedback(student=alice, now=AFTER_ALL)[0].aggregate is None  # 1 < 2
    submit(second, talks["alice"])
    assert fs.received_feedback(student=alice, now=S1_CLOSES - SECOND)[0].aggregate is None
    received = fs.received_feedback(student=alice, now=S1_CLOSES)[0]
    assert received.released
    assert received.aggregate.reviews == 2
    assert [c.text for c in received.comments] == ["Clear and well paced."] * 2
    assert all(c.reviewer_name == "" for c in received.comments)


def test_instructor_release_policy(course, instructor, student, make_students, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.feedback_release = Course.FeedbackRelease.INSTRUCTOR
    course.save()
    for reviewer in make_students(2, prefix="r"):
        submit(reviewer, talks["alice"])
    alice = enrolment(student, course)
    assert not fs.received_feedback(student=alice, now=AFTER_ALL)[0].released
    feedback_release(course=course, session=session_of(course, 1), actor=instructor, via="page")
    assert fs.received_feedback(student=alice, now=DURING_S1)[0].released
    assert AuditEntry.objects.filter(action="feedback.release").count() == 1


def test_named_feedback_shows_the_reviewers(course, student, make_students, talks):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.feedback_anonymity = Course.FeedbackAnonymity.NAMED
    course.save()
    for reviewer in make_students(2, prefix="r"):
        submit(reviewer, talks["alice"])
    received = fs.received_feedback(student=enrolment(student, course), now=AFTER_ALL)[0]
    assert sorted(c.reviewer_name for c in received.comments) == ["First0 Last0", "First1 Last1"]


# --- fixed query counts -------------------------------------------------------------------


@pytest.mark.parametrize("size", [6, 30])
def test_contract_selectors_run_fixed_queries(
    course, make_students, django_assert_max_num_queries, size
):
    course.feedback_scope = Course.FeedbackScope.ALL_OTHER_SESSIONS
    course.save()
    students = make_students(size)
    presenters = students[:4]
    talks = [
        book(presenters[0], 1, 1, "t1"),
        book(presenters[1], 1, 2, "t2"),
        book(presenters[2], 2, 1, "t3"),
        book(presenters[3], 3, 1, "i1"),
    ]
    for reviewer in students[4:]:
        submit(reviewer, talks[0])
        submit(reviewer, talks[1])
    with django_assert_max_num_queries(4):
        aggregates = fs.peer_aggregates(course=course, now=AFTER_ALL)
    with django_assert_max_num_queries(2):
        fs.staff_ratings(course=course)
    with django_assert_max_num_queries(6):
        credit = fs.feedback_credit(course=course, now=AFTER_ALL)
    with django_assert_max_num_queries(13):
        fs.session_feedback(course=course, session=session_of(course, 1), now=AFTER_ALL)
    with django_assert_max_num_queries(6):
        fs.sessions_overview(course=course, now=AFTER_ALL)
    with django_assert_max_num_queries(8):
        fs.students_credit(course=course, now=AFTER_ALL)
    assert aggregates[talks[0].pk].reviews == size - 4
    assert credit[students[-1].pk].owed == 4
    assert credit[students[-1].pk].given_in_time == 2
