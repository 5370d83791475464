"""Swaps, paper claims, preferences, overrides and proposals."""

import pytest
from django.core import mail

from courseapp.models import AuditEntry, Course, Enrollment
from presentations.models import PaperPreference, PaperProposal, Presentation, Slot, SwapRequest
from presentations.services import (
    PresentationError,
    paper_claim,
    paper_override,
    paper_release,
    preferences_set,
    proposal_decide,
    proposal_submit,
    slot_drop,
    slot_sign_up,
    swap_accept,
    swap_close,
    swap_request,
)
from tests.presentations.conftest import AFTER_FREEZE, BEFORE_FREEZE


def enrolment(user) -> Enrollment:
    return Enrollment.objects.select_related("course", "user").get(user=user)


def refused(code, call, *args, **kwargs):
    with pytest.raises(PresentationError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.fixture
def pair(student, other_student, slots):
    a = slot_sign_up(
        student=enrolment(student), slot=slots[0], actor=None, via="page", now=BEFORE_FREEZE
    )
    b = slot_sign_up(
        student=enrolment(other_student), slot=slots[1], actor=None, via="page", now=BEFORE_FREEZE
    )
    return a, b


def ask(user, target, now=BEFORE_FREEZE):
    return swap_request(student=enrolment(user), target=target, actor=user, via="page", now=now)


def test_an_accepted_swap_trades_both_slots(
    student, other_student, pair, slots, django_capture_on_commit_callbacks
):
    a, b = pair
    with django_capture_on_commit_callbacks(execute=True):
        swap = ask(student, b)
    assert mail.outbox[-1].to == ["bob@example.org"]

    with django_capture_on_commit_callbacks(execute=True):
        swap_accept(
            student=enrolment(other_student),
            swap=swap,
            actor=other_student,
            via="page",
            now=BEFORE_FREEZE,
        )

    assert Presentation.objects.get(pk=a.pk).slot == slots[1]
    assert Presentation.objects.get(pk=b.pk).slot == slots[0]
    assert [Slot.objects.get(pk=s.pk).booked for s in slots] == [1, 1]
    assert SwapRequest.objects.get(pk=swap.pk).status == SwapRequest.Status.ACCEPTED
    assert sorted(m.to[0] for m in mail.outbox[-2:]) == ["alice@example.org", "bob@example.org"]
    assert AuditEntry.objects.filter(action="swap.accept").exists()


def test_only_the_target_accepts(student, pair):
    swap = ask(student, pair[1])

    refused(
        "no_such_swap",
        swap_accept,
        student=enrolment(student),
        swap=swap,
        actor=student,
        via="page",
        now=BEFORE_FREEZE,
    )


def test_a_swap_that_became_impossible_is_refused_cleanly(student, other_student, pair, slots):
    swap = ask(student, pair[1])
    slot_drop(
        student=enrolment(student), slot=slots[0], actor=student, via="page", now=BEFORE_FREEZE
    )

    refused(
        "swap_closed",
        swap_accept,
        student=enrolment(other_student),
        swap=swap,
        actor=other_student,
        via="page",
        now=BEFORE_FREEZE,
    )

    assert Presentation.objects.get(pk=pair[1].pk).slot == slots[1]
    assert SwapRequest.objects.get(pk=swap.pk).status == SwapRequest.Status.WITHDRAWN


def test_a_swap_after_the_freeze_is_refused(student, other_student, pair):
    swap = ask(student, pair[1])

    refused(
        "signup_closed",
        swap_accept,
        student=enrolment(other_student),
        swap=swap,
        actor=other_student,
        via="page",
        now=AFTER_FREEZE,
    )
    refused(
        "signup_closed",
        swap_request,
        student=enrolment(student),
        target=pair[1],
        actor=student,
        via="page",
        now=AFTER_FREEZE,
    )


def test_either_side_closes_a_pending_swap(student, other_student, pair):
    first = ask(student, pair[1])
    assert (
        swap_close(student=enrolment(student), swap=first, actor=student, via="page").status
        == "withdrawn"
    )
    second = ask(student, pair[1])
    assert (
        swap_close(
            student=enrolment(other_student), swap=second, actor=other_student, via="page"
        ).status
        == "declined"
    )
    refused(
        "swap_closed",
        swap_close,
        student=enrolment(student),
        swap=second,
        actor=student,
        via="page",
    )


def test_asking_twice_or_without_a_booking_is_refused(student, other_student, make_students, pair):
    ask(student, pair[1])
    refused(
        "already_asked",
        swap_request,
        student=enrolment(student),
        target=pair[1],
        actor=student,
        via="page",
        now=BEFORE_FREEZE,
    )
    (loner,) = make_students(1)
    refused(
        "not_booked",
        swap_request,
        student=loner,
        target=pair[1],
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )
    refused(
        "own_talk",
        swap_request,
        student=enrolment(student),
        target=pair[0],
        actor=student,
        via="page",
        now=BEFORE_FREEZE,
    )


# --- claims -------------------------------------------------------------------------------


def claim(user, paper, **kwargs):
    return paper_claim(
        student=enrolment(user), paper=paper, actor=user, via="page", now=BEFORE_FREEZE, **kwargs
    )


def test_a_student_claims_a_free_paper_once(student, other_student, zero):
    talk = claim(student, zero)

    assert talk.paper == zero
    error = refused(
        "paper_taken",
        paper_claim,
        student=enrolment(other_student),
        paper=zero,
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )
    assert error.message == "Someone else has claimed this paper."
    refused(
        "has_paper",
        paper_claim,
        student=enrolment(student),
        paper=zero.course.papers.get(key="vllm"),
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )


def test_claims_close_at_the_deadline_and_need_claim_mode(student, zero, course):
    course.papers_close_at = BEFORE_FREEZE
    course.save()
    refused("papers_closed", claim, student, zero)

    course.papers_close_at = None
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    course.save()
    refused("wrong_mode", claim, student, zero)


def test_a_claim_must_fit_the_booked_session(student, slots, vllm):
    slot_sign_up(
        student=enrolment(student), slot=slots[0], actor=None, via="page", now=BEFORE_FREEZE
    )

    refused("wrong_category", claim, student, vllm)


def test_a_claimed_paper_can_be_given_back(student, zero):
    claim(student, zero)

    paper_release(
        student=enrolment(student), paper=zero, actor=student, via="page", now=BEFORE_FREEZE
    )

    assert Presentation.objects.get(student__user=student).paper is None
    assert list(
        AuditEntry.objects.exclude(action="course_file.load")
        .values_list("action", flat=True)
        .order_by("pk")
    ) == [
        "paper.claim",
        "paper.release",
    ]


def test_an_instructor_overrides_a_paper_with_a_reason(student, instructor, zero, vllm):
    talk = claim(student, zero)

    paper_override(talk=talk, paper=vllm, actor=instructor, via="admin", reason="Swapped topics")

    assert Presentation.objects.get(pk=talk.pk).paper == vllm
    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="paper.override")
    assert (entry.old, entry.new, entry.reason) == (
        {"paper": "zero"},
        {"paper": "vllm"},
        "Swapped topics",
    )


# --- preferences --------------------------------------------------------------------------


@pytest.fixture
def preference_course(course):
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    course.preferences_max = 2
    course.save()
    return course


def rank(user, papers):
    return preferences_set(
        student=enrolment(user),
        paper_ids=[p.pk for p in papers],
        actor=user,
        via="api",
        now=BEFORE_FREEZE,
    )


def test_a_ranking_replaces_the_last_one(student, preference_course, zero, vllm):
    rank(student, [zero, vllm])
    rank(student, [vllm])

    assert list(PaperPreference.objects.values_list("paper__key", "rank")) == [("vllm", 1)]
    entries = AuditEntry.objects.filter(action="paper.preferences").order_by("pk")
    assert [(e.old, e.new) for e in entries] == [
        ([], ["zero", "vllm"]),
        (["zero", "vllm"], ["vllm"]),
    ]


@pytest.mark.parametrize(
    ("papers", "code"),
    [
        (lambda zero, vllm: [zero, zero], "duplicate_paper"),
        (lambda zero, vllm: [zero, vllm, zero], "duplicate_paper"),
    ],
)
def test_a_bad_ranking_is_refused(student, preference_course, zero, vllm, papers, code):
    refused(
        code,
        preferences_set,
        student=enrolment(student),
        paper_ids=[p.pk for p in papers(zero, vllm)],
        actor=None,
        via="api",
        now=BEFORE_FREEZE,
    )
    assert not PaperPreference.objects.exists()


def test_too_many_or_unknown_papers_are_refused(
    student, preference_course, zero, vllm, other_course
):
    preference_course.preferences_max = 1
    preference_course.save()
    refused(
        "too_many",
        preferences_set,
        student=enrolment(student),
        paper_ids=[zero.pk, vllm.pk],
        actor=None,
        via="api",
        now=BEFORE_FREEZE,
    )
    foreign = other_course.papers.first()
    refused(
        "no_such_paper",
        preferences_set,
        student=enrolment(student),
        paper_ids=[foreign.pk],
        actor=None,
        via="api",
        now=BEFORE_FREEZE,
    )


# --- proposals ----------------------------------------------------------------------------


def test_an_approved_proposal_joins_that_students_catalogue_only(
    student, other_student, instructor, course, django_capture_on_commit_callbacks
):
    from presentations.models import Paper

    course.proposals_allowed = True
    course.save()
    proposal = proposal_submit(
        student=enrolment(student),
        title="FlashAttention",
        authors="Tri Dao",
        url="https://arxiv.org/abs/2205.14135",
        category=course.categories.get(key="training"),
        actor=student,
        via="page",
    )

    with django_capture_on_commit_callbacks(execute=True):
        proposal_decide(
            proposal=proposal, approve=True, actor=instructor, via="admin", note="Good pick"
        )

    proposal.refresh_from_db()
    assert proposal.status == PaperProposal.Status.APPROVED
    assert Paper.objects.visible_to(enrolment(student)).filter(title="FlashAttention").exists()
    assert (
        not Paper.objects.visible_to(enrolment(other_student))
        .filter(title="FlashAttention")
        .exists()
    )
    assert "approved" in mail.outbox[-1].subject
    refused(
        "decided",
        proposal_decide,
        proposal=proposal,
        approve=False,
        actor=instructor,
        via="admin",
        note="x",
    )


def test_a_rejection_needs_a_reason_and_proposals_need_the_policy(student, instructor, course):
    refused(
        "proposals_closed",
        proposal_submit,
        student=enrolment(student),
        title="X",
        authors="",
        url="",
        category=course.categories.first(),
        actor=student,
        via="page",
    )
    course.proposals_allowed = True
    course.save()
    proposal = proposal_submit(
        student=enrolment(student),
        title="X",
        authors="",
        url="",
        category=course.categories.first(),
        actor=student,
        via="page",
    )
    refused(
        "reason_required",
        proposal_decide,
        proposal=proposal,
        approve=False,
        actor=instructor,
        via="admin",
    )
    proposal_decide(
        proposal=proposal, approve=False, actor=instructor, via="admin", note="Off topic"
    )
    assert PaperProposal.objects.get().status == PaperProposal.Status.REJECTED
