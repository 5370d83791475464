"""The papers, slots and programme pages and the sign-up sheet, for every role of the cast:
what each sees, each action's message, each refusal's message with nothing changed."""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from django.urls import reverse

from conftest import enrol, load_course_text, make_user, small_course_text
from courseapp.models import Course, Enrollment, Role
from presentations.models import (
    Category,
    Paper,
    PaperPreference,
    PaperProposal,
    Presentation,
    Slot,
    SwapRequest,
    WaitlistEntry,
)
from presentations.services import paper_claim, slot_sign_up, swap_request, waitlist_join
from presentations.views import spreadsheet_cell
from tests.presentations.conftest import AFTER_FREEZE, BEFORE_FREEZE, HK


@pytest.fixture(autouse=True)
def _before_the_freeze(time_machine):
    time_machine.move_to(BEFORE_FREEZE, tick=False)


def url(name: str, *args, code: str = "seminar") -> str:
    return reverse(f"presentations:{name}", args=[code, *args])


def enrolment(user) -> Enrollment:
    return Enrollment.objects.select_related("course", "user").get(user=user)


def text_of(html) -> str:
    if not isinstance(html, str):
        html = html.content.decode()
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    return re.sub(r"\( ", "(", re.sub(r" ([.,;:)])", r"\1", text))


def notices(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def book(user, slot):
    return slot_sign_up(student=enrolment(user), slot=slot, actor=user, via="page")


def post(client, path, data=None, *, htmx=False):
    """POST as a form would; `htmx` as htmx would (no redirect to follow then)."""
    if htmx:
        return client.post(path, data or {}, headers={"HX-Request": "true"})
    return client.post(path, data or {}, follow=True)


def nav_labels(response) -> list[str]:
    nav = re.search(r'<nav class="course-nav".*?</nav>', response.content.decode(), re.S)
    return re.findall(r"<li><a [^>]*>([^<]+)</a></li>", nav.group(0))


# --- who may see and do what --------------------------------------------------------------

PAGES = ["papers", "slots", "programme"]
MEMBERS = ["student", "other_student", "ta", "instructor"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("who", MEMBERS)
def test_members_read_every_page(request, client_of, open_course, name, who):
    response = client_of(request.getfixturevalue(who)).get(url(name))

    assert response.status_code == 200
    assert response.templates[0].name == f"presentations/{name}.html"


@pytest.mark.parametrize("name", PAGES)
def test_a_private_course_sends_anonymous_visitors_to_log_in(client, open_course, name):
    response = client.get(url(name))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url(name)}"


@pytest.mark.parametrize("name", PAGES)
def test_a_stranger_gets_404(client_of, outsider, open_course, name):
    assert client_of(outsider).get(url(name)).status_code == 404
    assert client_of(outsider).get(url(name, code="no-such-course")).status_code == 404


@pytest.fixture
def public_course(db) -> Course:
    """A public copy of the small course where a student presents ZeRO in slot 1."""
    course = load_course_text(small_course_text(code="open", title="Open Seminar", public=True))
    course.signup_opens_at = dt.datetime(2025, 9, 1, 9, 0, tzinfo=HK)
    course.save()
    presenter = enrol(
        make_user("carol", first_name="Carol", last_name="Shaw"), course, Role.STUDENT
    )
    paper_claim(student=presenter, paper=course.papers.get(key="zero"), actor=None, via="page")
    book(presenter.user, Slot.objects.filter(course=course).order_by("position").first())
    return course


@pytest.mark.parametrize("name", ["papers", "programme"])
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_visitors_of_a_public_course_read_papers_and_programme_without_names(
    request, client, client_of, public_course, name, who
):
    visitor = client if who == "anonymous" else client_of(request.getfixturevalue(who))

    response = visitor.get(url(name, code="open"))

    assert response.status_code == 200
    assert "ZeRO" in text_of(response)
    assert "Carol" not in response.content.decode()


def test_members_of_a_public_course_see_the_names(client_of, public_course):
    member = enrol(make_user("dave"), public_course, Role.STUDENT).user

    for name in ("papers", "programme"):
        assert "Carol Shaw" in text_of(client_of(member).get(url(name, code="open")))


def test_the_slots_of_a_public_course_are_for_members(client, client_of, public_course, outsider):
    assert client.get(url("slots", code="open")).status_code == 302
    assert client_of(outsider).get(url("slots", code="open")).status_code == 404


def student_actions(student, slots, zero, session):
    talk = Presentation.objects.create(course=zero.course, student=enrolment(student))
    swap = SwapRequest.objects.create(
        course=zero.course,
        requester=talk,
        target=talk,
        requester_slot=slots[0],
        target_slot=slots[0],
    )
    return [
        url("paper_claim", zero.pk),
        url("paper_release", zero.pk),
        url("preferences"),
        url("proposal_submit"),
        url("slot_book", slots[0].pk),
        url("slot_drop", slots[0].pk),
        url("waitlist_join", session.pk),
        url("waitlist_leave", session.pk),
        url("swap_ask", talk.pk),
        url("swap_accept", swap.pk),
        url("swap_close", swap.pk),
    ]


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_staff_get_403_on_student_actions(request, client_of, student, slots, zero, session, who):
    staff = client_of(request.getfixturevalue(who))

    for action in student_actions(student, slots, zero, session):
        assert staff.post(action).status_code == 403, action
    assert Slot.objects.get(pk=slots[0].pk).booked == 0


def test_strangers_get_404_and_anonymous_visitors_log_in_on_actions(
    client, client_of, student, outsider, slots, zero, session
):
    for action in student_actions(student, slots, zero, session):
        assert client_of(outsider).post(action).status_code == 404, action
        response = client.post(action)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_actions_take_post_only(client_of, student, slots, zero, session):
    for action in student_actions(student, slots, zero, session):
        assert client_of(student).get(action).status_code == 405, action


def test_another_courses_rows_are_404(client_of, student, other_course, open_course):
    foreign_slot = Slot.objects.filter(course=other_course).first()
    foreign_paper = Paper.objects.filter(course=other_course).first()
    foreign_session = foreign_slot.meeting

    for action in (
        url("slot_book", foreign_slot.pk),
        url("paper_claim", foreign_paper.pk),
        url("waitlist_join", foreign_session.pk),
    ):
        assert client_of(student).post(action).status_code == 404
    assert Slot.objects.get(pk=foreign_slot.pk).booked == 0


# --- navigation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "labels"),
    [
        (
            "student",
            [
                "Schedule",
                "Dashboard",
                "Papers",
                "Slots",
                "Programme",
                "Feedback",
                "Deliverables",
                "Teams",
                "Grades",
            ],
        ),
        (
            "ta",
            [
                "Schedule",
                "Dashboard",
                "Papers",
                "Slots",
                "Programme",
                "Feedback",
                "Deliverables",
                "Teams",
                "Gradebook",
                "Statistics",
            ],
        ),
        (
            "instructor",
            [
                "Schedule",
                "Dashboard",
                "Papers",
                "Slots",
                "Programme",
                "Feedback",
                "Deliverables",
                "Teams",
                "Gradebook",
                "Statistics",
                "Manage in admin",
            ],
        ),
    ],
)
def test_the_course_navigation_links_the_new_pages(request, client_of, open_course, who, labels):
    response = client_of(request.getfixturevalue(who)).get(url("slots"))

    assert nav_labels(response) == labels
    assert f'<a href="{url("slots")}" aria-current="page">Slots</a>' in response.content.decode()


def test_visitors_of_a_public_course_get_the_public_links(client, public_course):
    response = client.get(url("programme", code="open"))

    assert nav_labels(response) == ["Schedule", "Papers", "Programme"]


# --- the papers page ----------------------------------------------------------------------


@pytest.fixture
def gpipe(course) -> Paper:
    training = Category.objects.get(course=course, key="training")
    return Paper.objects.create(
        course=course,
        key="gpipe",
        title="GPipe",
        authors="Yanping Huang",
        venue="NeurIPS",
        year=2019,
        url="https://arxiv.org/abs/1811.06965",
        category=training,
    )


def test_the_catalogue_by_category_with_free_and_taken(
    client_of, student, other_student, zero, vllm, gpipe
):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")

    text = text_of(client_of(student).get(url("papers")))

    assert "3 papers." in text
    assert "Training 1 of 2 free GPipe Yanping Huang NeurIPS 2019 Free Claim GPipe" in text
    assert "ZeRO 2020 Taken Bob Builder Inference 1 of 1 free vLLM 2023 Free Claim vLLM" in text


def test_the_catalogue_shows_the_session_of_a_booked_paper(
    client_of, student, other_student, zero, slots
):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")
    book(other_student, slots[1])

    text = text_of(client_of(student).get(url("papers")))

    assert "ZeRO 2020 Taken Bob Builder, session 1 (Tue 9 Sep 2025)" in text


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("q=gpip", ["GPipe"]),
        ("q=huang", ["GPipe"]),
        ("q=neurips", ["GPipe"]),
        ("category=inference", ["vLLM"]),
        ("availability=taken", ["ZeRO"]),
        ("availability=free", ["GPipe", "vLLM"]),
        ("category=training&availability=free", ["GPipe"]),
        ("q=nothing-like-this", []),
    ],
)
def test_search_and_filters(client_of, student, other_student, zero, vllm, gpipe, query, shown):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")

    html = client_of(student).get(f"{url('papers')}?{query}").content.decode()

    assert re.findall(r'<p class="paper-title">(?:<a [^>]*>)?([^<]+)', html) == shown
    if not shown:
        assert "No papers match these filters." in text_of(html)
    # The filters keep their values.
    for pair in query.split("&"):
        key, value = pair.split("=")
        assert f'value="{value}"' in html


def test_claim_and_give_back(client_of, student, zero):
    client = client_of(student)

    claimed = post(client, url("paper_claim", zero.pk), {"filters": "category=training&x=1"})

    assert notices(claimed) == ["Claimed: ZeRO. It is your paper now. Next, book a slot for it."]
    assert claimed.redirect_chain == [(f"{url('papers')}?category=training", 302)]
    assert Presentation.objects.get(student__user=student).paper == zero
    assert "Give back ZeRO" in text_of(claimed)
    assert "Claim vLLM" not in text_of(client.get(url("papers")))

    released = post(client, url("paper_release", zero.pk))

    assert notices(released) == ["Given back: ZeRO. Anyone may claim it now."]
    assert Presentation.objects.get(student__user=student).paper is None


def test_claiming_a_taken_paper_is_refused_and_changes_nothing(
    client_of, student, other_student, zero
):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")

    response = post(client_of(student), url("paper_claim", zero.pk))

    assert notices(response) == ["Someone else has claimed this paper."]
    assert Presentation.objects.get(paper=zero).student.user == other_student
    assert not Presentation.objects.filter(student__user=student, paper__isnull=False).exists()


def test_claims_after_the_deadline_are_refused(client_of, course, student, zero):
    course.papers_close_at = dt.datetime(2025, 9, 1, 9, 0, tzinfo=HK)
    course.save()
    client = client_of(student)

    assert "Claim ZeRO" not in text_of(client.get(url("papers")))
    response = post(client, url("paper_claim", zero.pk))

    assert notices(response) == ["Paper choice closed at Mon 1 Sep 2025, 09:00."]
    assert not Presentation.objects.filter(paper=zero).exists()
    assert "Claims are closed: ask the instructor for a paper." in text_of(response)


def test_giving_back_a_paper_not_yours_is_refused(client_of, student, other_student, zero):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")

    response = post(client_of(student), url("paper_release", zero.pk))

    assert notices(response) == ["You have not claimed this paper."]
    assert Presentation.objects.get(paper=zero).student.user == other_student


def test_staff_and_visitors_get_no_claim_buttons(client_of, instructor, ta, open_course):
    for user in (instructor, ta):
        html = client_of(user).get(url("papers")).content.decode()
        assert "Claim" not in text_of(html)
        assert "Your paper" not in text_of(html)


def test_a_withdrawn_student_is_told_and_refused(client_of, student, zero):
    Enrollment.objects.filter(user=student).update(status=Enrollment.Status.WITHDRAWN)
    client = client_of(student)

    assert "You are withdrawn from this course" in text_of(client.get(url("papers")))
    response = post(client, url("paper_claim", zero.pk))

    assert notices(response) == [
        "You are withdrawn from this course, so you cannot book or change talks."
    ]
    assert not Presentation.objects.filter(paper=zero).exists()


# --- ranking ------------------------------------------------------------------------------


@pytest.fixture
def ranking_course(course, gpipe) -> Course:
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    course.preferences_max = 3
    course.save()
    return course


def ranking_of(user) -> list[str]:
    return list(
        PaperPreference.objects.filter(student__user=user)
        .order_by("rank")
        .values_list("paper__key", flat=True)
    )


def selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="(\d*)"[^>]* selected>', select)


def test_the_ranking_form_has_labelled_places_preselected(
    client_of, student, ranking_course, zero, vllm
):
    PaperPreference.objects.create(
        course=ranking_course, student=enrolment(student), paper=vllm, rank=1
    )
    PaperPreference.objects.create(
        course=ranking_course, student=enrolment(student), paper=zero, rank=2
    )

    html = client_of(student).get(url("papers")).content.decode()

    labels = re.findall(r'<label for="id_rank_\d">([^<]+)</label>', html)
    assert labels == ["1st choice", "2nd choice", "3rd choice"]
    assert (selected(html, "rank_1"), selected(html, "rank_2")) == ([str(vllm.pk)], [str(zero.pk)])
    assert selected(html, "rank_3") == [""]
    # Grouped by category, every paper in every place.
    assert '<optgroup label="Training">' in html
    assert "Claim" not in text_of(html)
    assert "Your 1st choice" in text_of(html)


def test_saving_a_ranking_skips_empty_places(client_of, student, ranking_course, zero, vllm):
    response = post(
        client_of(student),
        url("preferences"),
        {"rank_1": vllm.pk, "rank_2": "", "rank_3": zero.pk},
    )

    assert notices(response) == ["Your ranking is saved: 1. vLLM; 2. ZeRO."]
    assert ranking_of(student) == ["vllm", "zero"]
    assert response.redirect_chain[-1][0] == url("papers") + "#ranking"


def test_clearing_the_ranking(client_of, student, ranking_course, zero):
    PaperPreference.objects.create(
        course=ranking_course, student=enrolment(student), paper=zero, rank=1
    )

    response = post(client_of(student), url("preferences"), {"rank_1": ""})

    assert notices(response) == ["Your ranking is cleared: you have ranked no papers."]
    assert ranking_of(student) == []


def test_a_paper_twice_is_an_error_next_to_the_place(
    client_of, student, ranking_course, zero, vllm
):
    PaperPreference.objects.create(
        course=ranking_course, student=enrolment(student), paper=vllm, rank=1
    )

    response = client_of(student).post(url("preferences"), {"rank_1": zero.pk, "rank_2": zero.pk})

    assert response.status_code == 200
    html = response.content.decode()
    assert notices(response) == ["Your ranking is not saved: see the errors in the form."]
    assert re.search(
        r'<select name="rank_2"[^>]*aria-invalid="true".*?</select>\s*'
        r'<small class="field-error" id="id_rank_2_error">'
        r"You already chose this paper as your 1st choice.</small>",
        html,
        re.S,
    )
    # The form shows what was sent, and nothing is saved.
    assert selected(html, "rank_2") == [str(zero.pk)]
    assert ranking_of(student) == ["vllm"]


def test_a_paper_not_offered_is_an_error(client_of, student, other_student, ranking_course):
    # Another student's approved proposal is in their catalogue only.
    theirs = Paper.objects.create(
        course=ranking_course,
        key="proposal-1",
        title="Theirs",
        category=Category.objects.get(course=ranking_course, key="training"),
        proposed_for=enrolment(other_student),
    )

    response = client_of(student).post(url("preferences"), {"rank_1": theirs.pk})

    assert "Select a valid choice." in text_of(response)
    assert ranking_of(student) == []


def test_ranking_after_it_closes_is_refused(client_of, student, ranking_course, zero):
    ranking_course.papers_close_at = dt.datetime(2025, 9, 2, 9, 0, tzinfo=HK)
    ranking_course.save()
    client = client_of(student)

    page = text_of(client.get(url("papers")))
    assert "Ranking is closed: the instructor assigns the papers." in page
    assert "Save my ranking" not in page
    response = post(client, url("preferences"), {"rank_1": zero.pk})

    assert notices(response) == ["Paper choice closed at Tue 2 Sep 2025, 09:00."]
    assert ranking_of(student) == []


def test_ranking_in_claim_mode_is_refused(client_of, student, open_course, zero):
    response = post(client_of(student), url("preferences"), {"rank_1": zero.pk})

    assert notices(response) == ["In this course students claim papers directly."]
    assert ranking_of(student) == []


# --- proposals ----------------------------------------------------------------------------


@pytest.fixture
def proposals_course(course) -> Course:
    course.proposals_allowed = True
    course.save()
    return course


PROPOSAL = {
    "title": "FlashAttention",
    "authors": "Tri Dao",
    "url": "https://arxiv.org/abs/2205.14135",
    "category": "inference",
}


def test_a_student_proposes_a_paper(client_of, student, proposals_course):
    response = post(client_of(student), url("proposal_submit"), PROPOSAL)

    assert notices(response) == [
        "Proposal sent: FlashAttention. The instructor approves or rejects it; you get an "
        "e-mail either way."
    ]
    proposal = PaperProposal.objects.get()
    assert (proposal.student.user, proposal.category.key, proposal.url) == (
        student,
        "inference",
        PROPOSAL["url"],
    )
    assert "FlashAttention (Inference) Waiting for a decision" in text_of(response)


def test_a_proposal_form_shows_its_errors_next_to_the_fields(client_of, student, proposals_course):
    response = client_of(student).post(
        url("proposal_submit"), {**PROPOSAL, "title": "", "url": "not a link"}
    )

    html = response.content.decode()
    assert notices(response) == ["Your proposal is not sent: see the errors in the form."]
    assert '<small class="field-error" id="id_title_error">This field is required.</small>' in html
    assert '<small class="field-error" id="id_url_error">Enter a valid URL.</small>' in html
    assert not PaperProposal.objects.exists()


def test_proposals_are_refused_when_the_course_takes_none(client_of, student, open_course):
    client = client_of(student)

    assert "Propose a paper" not in text_of(client.get(url("papers")))
    response = post(client, url("proposal_submit"), PROPOSAL)

    assert notices(response) == ["This course does not take paper proposals."]
    assert not PaperProposal.objects.exists()


def test_the_student_sees_the_decision_and_note(client_of, student, proposals_course):
    PaperProposal.objects.create(
        course=proposals_course,
        student=enrolment(student),
        title="Old idea",
        category=Category.objects.get(course=proposals_course, key="training"),
        status=PaperProposal.Status.REJECTED,
        note="Out of scope for this course.",
    )

    text = text_of(client_of(student).get(url("papers")))

    assert "Old idea (Training) Rejected Instructor's note: Out of scope for this course." in text


# --- the slots page -----------------------------------------------------------------------


def test_the_slot_board(client_of, student, other_student, zero, slots):
    paper_claim(student=enrolment(other_student), paper=zero, actor=None, via="page")
    book(other_student, slots[0])

    text = text_of(client_of(student).get(url("slots")))

    assert (
        "Session 1 Tue 9 Sep 2025 Training Open until Mon 8 Sep 2025, 10:30 "
        "Slot 1 10:30 30 min Full 1 of 1 taken Bob Builder: ZeRO "
        "Slot 2 11:00 30 min 1 free 0 of 1 taken Nobody yet Book session 1, slot 2"
    ) in text
    assert "Your presentation No slot yet." in text
    assert "Ask to swap" not in text


def test_the_board_before_sign_up_opens(client_of, course, student):
    client = client_of(student)

    text = text_of(client.get(url("slots")))
    assert "Slot sign-up has not opened yet." in text
    assert "Session 1 Tue 9 Sep 2025 Training Not open yet Slot 1" in text
    assert "Book" not in text

    course.signup_opens_at = dt.datetime(2025, 9, 6, 9, 0, tzinfo=HK)
    course.save()
    text = text_of(client.get(url("slots")))
    assert "Slot sign-up opens on Sat 6 Sep 2025, 09:00." in text
    assert "Not open yet Sign-up opens Sat 6 Sep 2025, 09:00" in text
    assert "Book" not in text


def test_after_the_freeze_a_session_is_closed(client_of, student, slots, time_machine):
    time_machine.move_to(AFTER_FREEZE, tick=False)

    text = text_of(client_of(student).get(url("slots")))

    assert "Closed since Mon 8 Sep 2025, 10:30" in text
    assert "Book" not in text


def test_sessions_already_held_fold_away(client_of, student, slots, time_machine):
    time_machine.move_to(dt.datetime(2025, 9, 10, 9, 0, tzinfo=HK), tick=False)

    html = client_of(student).get(url("slots")).content.decode()

    held = re.search(r'<details class="past-sessions">.*?</details>', html, re.S).group(0)
    assert "Sessions already held (1) Session 1 Tue 9 Sep 2025" in text_of(held)
    assert "No more presentation sessions this term." in text_of(html)


def test_booking_a_slot(client_of, student, slots):
    response = post(client_of(student), url("slot_book", slots[1].pk))

    assert notices(response) == ["Booked: session 1, slot 2 (Tue 9 Sep 2025, 11:00)."]
    assert response.redirect_chain == [(url("slots"), 302)]
    assert Presentation.objects.get(student__user=student).slot == slots[1]
    assert Slot.objects.get(pk=slots[1].pk).booked == 1
    text = text_of(response)
    assert "You present in Session 1, slot 2 (Tue 9 Sep 2025, 11:00)." in text
    assert "Drop session 1, slot 2" in text
    assert "Book session 1, slot 1" not in text


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("full", "This slot is full. Join the session's waitlist to get the next free seat."),
        ("booked", "You already have a slot (session 1). Drop it first, or ask someone to swap."),
        (
            "closed",
            "Session 1 closed to changes at Mon 8 Sep 2025, 10:30 (24 hours before it starts).",
        ),
        ("category", "Your paper is in Inference; session 1 is for Training."),
    ],
)
def test_a_refused_booking_says_why_and_changes_nothing(
    client_of, student, other_student, slots, vllm, time_machine, setup, message
):
    if setup == "full":
        book(other_student, slots[0])
    elif setup == "booked":
        book(student, slots[1])
    elif setup == "closed":
        time_machine.move_to(AFTER_FREEZE, tick=False)
    elif setup == "category":
        paper_claim(student=enrolment(student), paper=vllm, actor=None, via="page")
    before = list(Presentation.objects.values_list("student_id", "slot_id"))

    response = post(client_of(student), url("slot_book", slots[0].pk))

    assert notices(response) == [message]
    assert list(Presentation.objects.values_list("student_id", "slot_id")) == before


def test_a_session_of_another_category_says_so_instead_of_offering_book(
    client_of, student, slots, vllm
):
    paper_claim(student=enrolment(student), paper=vllm, actor=None, via="page")

    text = text_of(client_of(student).get(url("slots")))

    assert "Not for your paper: this session is for Training papers." in text
    assert "Book session" not in text


def test_dropping_a_slot(client_of, student, slots):
    book(student, slots[0])

    response = post(client_of(student), url("slot_drop", slots[0].pk))

    assert notices(response) == ["Dropped: session 1, slot 1 (Tue 9 Sep 2025, 10:30)."]
    assert Presentation.objects.get(student__user=student).slot is None
    assert Slot.objects.get(pk=slots[0].pk).booked == 0


def test_dropping_a_slot_not_yours_is_refused(client_of, student, other_student, slots):
    book(other_student, slots[0])

    response = post(client_of(student), url("slot_drop", slots[0].pk))

    assert notices(response) == ["You have no booking in this slot."]
    assert Presentation.objects.get(student__user=other_student).slot == slots[0]


@pytest.fixture
def full_session(slots, other_student, make_students):
    """Both slots taken: bob in slot 1, s00 in slot 2."""
    book(other_student, slots[0])
    third = make_students(1)[0]
    book(third.user, slots[1])
    return third


def test_joining_and_leaving_a_waitlist(client_of, student, full_session, session):
    client = client_of(student)
    page = text_of(client.get(url("slots")))
    assert "Every slot is taken. Wait for a seat" in page

    joined = post(client, url("waitlist_join", session.pk))

    assert notices(joined) == [
        "You are on the waitlist of session 1. If a seat frees up before the session closes, "
        "it is yours automatically and you get an e-mail."
    ]
    assert WaitlistEntry.objects.filter(presentation__student__user=student).count() == 1
    assert "You are number 1 on this session's waitlist" in text_of(joined)

    left = post(client, url("waitlist_leave", session.pk))

    assert notices(left) == ["You left the waitlist of session 1."]
    assert not WaitlistEntry.objects.exists()


@pytest.mark.parametrize(
    ("setup", "action", "message"),
    [
        (
            "free",
            "waitlist_join",
            "This session still has a free slot: book it instead of waiting.",
        ),
        ("waiting", "waitlist_join", "You are already on this waitlist."),
        ("nothing", "waitlist_leave", "You are not on this session's waitlist."),
    ],
)
def test_refused_waitlist_changes(
    client_of, student, other_student, slots, session, make_students, setup, action, message
):
    book(other_student, slots[0])
    if setup != "free":
        book(make_students(1)[0].user, slots[1])
    if setup == "waiting":
        waitlist_join(student=enrolment(student), session=session, actor=None, via="page")
    before = list(WaitlistEntry.objects.values_list("pk", flat=True))

    response = post(client_of(student), url(action, session.pk))

    assert notices(response) == [message]
    assert list(WaitlistEntry.objects.values_list("pk", flat=True)) == before


def test_a_drop_gives_the_seat_to_the_first_waiting(
    client_of, student, other_student, full_session, session, slots
):
    waitlist_join(student=enrolment(student), session=session, actor=None, via="page")

    response = post(client_of(other_student), url("slot_drop", slots[0].pk))

    assert notices(response) == [
        "Dropped: session 1, slot 1 (Tue 9 Sep 2025, 10:30). The seat went to the first student on "
        "the waitlist."
    ]
    assert Presentation.objects.get(student__user=student).slot == slots[0]


# --- swaps --------------------------------------------------------------------------------


@pytest.fixture
def pair(student, other_student, slots):
    return book(student, slots[0]), book(other_student, slots[1])


def test_asking_to_swap(client_of, student, pair):
    mine, theirs = pair
    client = client_of(student)
    assert "Ask to swap with Bob Builder, session 1, slot 2" in text_of(client.get(url("slots")))

    response = post(client, url("swap_ask", theirs.pk))

    assert notices(response) == [
        "Swap asked: Bob Builder, in session 1, slot 2 (Tue 9 Sep 2025, 11:00), may accept or "
        "decline. You keep your slot until then."
    ]
    swap = SwapRequest.objects.get()
    assert (swap.requester, swap.target, swap.status) == (mine, theirs, "pending")
    text = text_of(response)
    assert (
        "You asked Bob Builder to swap your Session 1, slot 1 (Tue 9 Sep 2025, 10:30) for their "
        "Session 1, slot 2 (Tue 9 Sep 2025, 11:00). Waiting for an answer. Withdraw"
    ) in text
    assert "Swap asked" in text
    assert "Ask to swap" not in text


def test_asking_to_swap_without_a_booking_is_refused(client_of, student, other_student, slots):
    theirs = book(other_student, slots[1])

    response = post(client_of(student), url("swap_ask", theirs.pk))

    assert notices(response) == ["Book a slot first; then you can swap it."]
    assert not SwapRequest.objects.exists()


def test_accepting_a_swap(client_of, student, other_student, pair, slots):
    mine, theirs = pair
    swap = swap_request(student=enrolment(student), target=theirs, actor=student, via="page")
    client = client_of(other_student)
    assert "Alice Liddell asks to swap" in text_of(client.get(url("slots")))

    response = post(client, url("swap_accept", swap.pk))

    assert notices(response) == [
        "Swapped with Alice Liddell: you now present in session 1, slot 1 (Tue 9 Sep 2025, 10:30)."
    ]
    assert Presentation.objects.get(pk=theirs.pk).slot == slots[0]
    assert Presentation.objects.get(pk=mine.pk).slot == slots[1]


def test_declining_and_withdrawing_a_swap(client_of, student, other_student, pair):
    mine, theirs = pair
    first = swap_request(student=enrolment(student), target=theirs, actor=student, via="page")

    declined = post(client_of(other_student), url("swap_close", first.pk))

    assert notices(declined) == [
        "Swap declined: you keep your slot, and Alice Liddell keeps theirs."
    ]
    assert SwapRequest.objects.get(pk=first.pk).status == "declined"

    second = swap_request(student=enrolment(student), target=theirs, actor=student, via="page")
    withdrawn = post(client_of(student), url("swap_close", second.pk))

    assert notices(withdrawn) == ["Swap request withdrawn: both of you keep your slots."]
    assert SwapRequest.objects.get(pk=second.pk).status == "withdrawn"
    assert (
        Presentation.objects.get(pk=mine.pk).slot_id
        != Presentation.objects.get(pk=theirs.pk).slot_id
    )


def test_accepting_a_closed_swap_or_ones_own_is_refused(client_of, student, other_student, pair):
    mine, theirs = pair
    swap = swap_request(student=enrolment(student), target=theirs, actor=student, via="page")

    own = post(client_of(student), url("swap_accept", swap.pk))
    assert notices(own) == ["There is no such swap request for you."]

    SwapRequest.objects.filter(pk=swap.pk).update(status=SwapRequest.Status.WITHDRAWN)
    closed = post(client_of(other_student), url("swap_accept", swap.pk))
    assert notices(closed) == ["This swap request is withdrawn."]
    assert (
        Presentation.objects.get(pk=mine.pk).slot_id
        != Presentation.objects.get(pk=theirs.pk).slot_id
    )


# --- htmx ---------------------------------------------------------------------------------


def test_an_htmx_booking_gets_the_board_with_its_message(client_of, student, slots):
    response = post(client_of(student), url("slot_book", slots[0].pk), htmx=True)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "presentations/includes/slot_board.html"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="slot-board"')
    assert "<html" not in html
    assert "Booked: session 1, slot 1 (Tue 9 Sep 2025, 10:30)." in text_of(html)
    assert "Drop session 1, slot 1" in text_of(html)
    assert Presentation.objects.get(student__user=student).slot == slots[0]


def test_an_htmx_refusal_gets_the_board_with_the_reason(client_of, student, other_student, slots):
    book(other_student, slots[0])

    response = post(client_of(student), url("slot_book", slots[0].pk), htmx=True)

    html = response.content.decode()
    assert re.search(r'role="alert">\s*<p>This slot is full.', html)
    assert html.lstrip().startswith('<div id="slot-board"')
    assert Presentation.objects.get(student__user=other_student).slot == slots[0]


@pytest.mark.parametrize("action", ["slot_drop", "swap", "waitlist"])
def test_every_board_action_answers_htmx_with_the_board(
    client_of, student, other_student, slots, session, action
):
    if action == "slot_drop":
        book(student, slots[0])
        path = url("slot_drop", slots[0].pk)
    elif action == "swap":
        book(student, slots[0])
        path = url("swap_ask", book(other_student, slots[1]).pk)
    else:
        path = url("waitlist_leave", session.pk)

    response = post(client_of(student), path, htmx=True)

    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div id="slot-board"')
    assert len(notices(response)) == 1


def test_the_page_loads_htmx_and_posts_each_form_both_ways(client_of, student, slots):
    html = client_of(student).get(url("slots")).content.decode()

    assert '<script src="/static/vendor/htmx/htmx.min.js" defer></script>' in html
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false""" in html
    assert re.search(r"<body hx-headers='\{\"X-CSRFToken\": \"\w+\"\}'>", html)
    action = url("slot_book", slots[0].pk)
    assert f'<form method="post" action="{action}" hx-post="{action}"' in html


@pytest.mark.parametrize("name", PAGES)
def test_no_inline_script_or_style(client_of, student, ranking_course, slots, name):
    # The pages stay within a strict Content-Security-Policy.
    ranking_course.proposals_allowed = True
    ranking_course.save()

    html = client_of(student).get(url(name)).content.decode()

    assert not re.search(r"<script>|<script [^>]*>[^<]|<style|style=|\son[a-z]+=", html)


# --- staff on the slots page, and the sign-up sheet ---------------------------------------


def test_staff_see_who_presents_and_get_the_sign_up_sheet(client_of, ta, student, slots, session):
    book(student, slots[0])

    response = client_of(ta).get(url("slots"))

    text = text_of(response)
    assert "Alice Liddell" in text
    assert "Book" not in text
    assert "Your presentation" not in text
    sheet = url("signup_sheet", session.pk)
    assert f'<a href="{sheet}" download>Sign-up sheet (CSV)' in response.content.decode()


def test_students_get_no_sign_up_sheet_link(client_of, student, slots):
    assert "signup-sheet.csv" not in client_of(student).get(url("slots")).content.decode()


def sheet_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_the_sign_up_sheet(request, client_of, student, other_student, slots, session, zero, who):
    paper_claim(student=enrolment(student), paper=zero, actor=None, via="page")
    book(student, slots[1])
    Slot.objects.filter(pk=slots[0].pk).update(capacity=2)
    book(other_student, slots[0])

    response = client_of(request.getfixturevalue(who)).get(url("signup_sheet", session.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="seminar-session-1-signup-sheet.csv"'
    )
    assert sheet_rows(response) == [
        ["Slot", "Time", "Student ID", "Name", "E-mail", "Paper"],
        ["1", "10:30", "S002", "Bob Builder", "bob@example.org", ""],
        ["1", "10:30", "", "", "", ""],
        ["2", "11:00", "S001", "Alice Liddell", "alice@example.org", "ZeRO"],
    ]


def test_the_sign_up_sheet_neutralises_formulas(client_of, ta, course, slots, session, zero):
    user = make_user("eve", first_name='=HYPERLINK("http://x")', last_name="")
    user.email = "@eve@example.org"
    user.save()
    eve = enrol(user, course, Role.STUDENT, student_id="+123")
    Paper.objects.filter(pk=zero.pk).update(title="-1+1 considered harmful")
    paper_claim(student=eve, paper=zero, actor=None, via="page")
    book(user, slots[0])

    rows = sheet_rows(client_of(ta).get(url("signup_sheet", session.pk)))

    assert rows[1] == [
        "1",
        "10:30",
        "'+123",
        '\'=HYPERLINK("http://x")',
        "'@eve@example.org",
        "'-1+1 considered harmful",
    ]


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Alice", "Alice"),
        ("a=b", "a=b"),
        (3, "3"),
        (None, ""),
    ],
)
def test_spreadsheet_cells(value, cell):
    assert spreadsheet_cell(value) == cell


def test_the_sign_up_sheet_is_for_staff(
    client, client_of, student, other_student, outsider, session
):
    sheet = url("signup_sheet", session.pk)

    assert client_of(student).get(sheet).status_code == 403
    assert client_of(other_student).get(sheet).status_code == 403
    assert client_of(outsider).get(sheet).status_code == 404
    assert client.get(sheet).status_code == 302


def test_a_sheet_of_another_courses_session_is_404(client_of, ta, other_course, open_course):
    foreign = Slot.objects.filter(course=other_course).first().meeting

    assert client_of(ta).get(url("signup_sheet", foreign.pk)).status_code == 404


# --- the programme ------------------------------------------------------------------------


def test_the_programme_lists_talks_in_slot_order(
    client_of, ta, student, other_student, slots, zero, gpipe
):
    paper_claim(student=enrolment(student), paper=zero, actor=None, via="page")
    paper_claim(student=enrolment(other_student), paper=gpipe, actor=None, via="page")
    book(student, slots[1])
    book(other_student, slots[0])

    response = client_of(ta).get(url("programme"))

    assert (
        "Session 1 Tue 9 Sep 2025 Training 10:30–11:50 Room 101 "
        "10:30 GPipe Bob Builder 11:00 ZeRO Alice Liddell"
    ) in text_of(response)
    assert '<a href="https://arxiv.org/abs/1811.06965" rel="noopener noreferrer">GPipe</a>' in (
        response.content.decode()
    )


def test_the_programme_before_anyone_books(client_of, student, open_course):
    assert "No talks booked yet." in text_of(client_of(student).get(url("programme")))


# --- query counts -------------------------------------------------------------------------


def populate(course, session, count: int, make_students) -> None:
    """A class of `count` on top of the cast: each with a paper and a booking in the
    session, three ranked papers, a few waiting and a few pending swaps."""
    Slot.objects.filter(meeting=session).update(capacity=count + 5)
    slots = list(Slot.objects.filter(meeting=session).order_by("position"))
    training = Category.objects.get(course=course, key="training")
    students = make_students(count, prefix="c")
    papers = Paper.objects.bulk_create(
        Paper(course=course, key=f"c{n}", title=f"Paper {n}", category=training)
        for n in range(count + 3)
    )
    talks = Presentation.objects.bulk_create(
        Presentation(
            course=course,
            student=student,
            paper=papers[n],
            slot=slots[n % 2] if n % 5 else None,
            booked_at=BEFORE_FREEZE if n % 5 else None,
        )
        for n, student in enumerate(students)
    )
    for slot in slots:
        slot.booked = sum(1 for talk in talks if talk.slot_id == slot.pk)
        slot.save(update_fields=["booked"])
    PaperPreference.objects.bulk_create(
        PaperPreference(course=course, student=student, paper=papers[(n + k) % count], rank=k + 1)
        for n, student in enumerate(students)
        for k in range(3)
    )
    WaitlistEntry.objects.bulk_create(
        WaitlistEntry(course=course, session=session, presentation=talk, created_at=BEFORE_FREEZE)
        for talk in talks
        if talk.slot_id is None
    )
    booked = [talk for talk in talks if talk.slot_id]
    SwapRequest.objects.bulk_create(
        SwapRequest(
            course=course,
            requester=a,
            target=b,
            requester_slot_id=a.slot_id,
            target_slot_id=b.slot_id,
        )
        for a, b in zip(booked[::2], booked[1::2], strict=False)
        if a.slot_id != b.slot_id
    )


# Measured; the same at both class sizes. The papers and programme pages (readable by
# visitors of a public course) look the course up twice: once as public, once for members.
QUERY_BUDGET = {
    ("papers", "student"): 15,
    ("papers", "ta"): 11,
    ("slots", "student"): 11,
    ("slots", "ta"): 9,
    ("programme", "student"): 8,
    ("programme", "ta"): 8,
}


@pytest.mark.parametrize("size", [5, 60])
@pytest.mark.parametrize(("name", "who"), list(QUERY_BUDGET))
def test_pages_run_a_fixed_number_of_queries(
    request,
    client_of,
    ranking_course,
    session,
    student,
    other_student,
    make_students,
    django_assert_max_num_queries,
    size,
    name,
    who,
):
    ranking_course.proposals_allowed = True
    ranking_course.save()
    populate(ranking_course, session, size, make_students)
    # The viewer has a booking, a ranking, a proposal and a swap asked of them.
    mine = book(student, Slot.objects.get(meeting=session, position=1))
    theirs = book(other_student, Slot.objects.get(meeting=session, position=2))
    swap_request(student=enrolment(other_student), target=mine, actor=None, via="page")
    assert theirs.slot_id
    client = client_of(request.getfixturevalue(who))

    with django_assert_max_num_queries(QUERY_BUDGET[name, who]):
        response = client.get(url(name))

    assert response.status_code == 200
    assert f"Paper {size - 1}" in response.content.decode()
