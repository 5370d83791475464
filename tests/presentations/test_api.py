"""The papers-and-slots API for every role of the cast, and its refusals."""

import pytest

from courseapp.models import Course, Enrollment
from presentations.models import PaperPreference, Presentation, Slot, SwapRequest, WaitlistEntry
from presentations.services import slot_sign_up
from tests.presentations.conftest import BEFORE_FREEZE

NOT_FOUND = {"detail": "Not found.", "code": "not_found"}


@pytest.fixture(autouse=True)
def _before_the_freeze(time_machine):
    time_machine.move_to(BEFORE_FREEZE, tick=False)


def base(code="seminar"):
    return f"/api/courses/{code}"


def json_of(response):
    return response.json()


# --- who may read -------------------------------------------------------------------------

READS = ["/papers/", "/slots/"]


@pytest.mark.parametrize("path", READS)
@pytest.mark.parametrize("who", ["student", "other_student", "ta", "instructor"])
def test_members_read_papers_and_slots(request, api_client_of, open_course, path, who):
    response = api_client_of(request.getfixturevalue(who)).get(base() + path)

    assert response.status_code == 200
    assert isinstance(response.json(), list)


@pytest.mark.parametrize("path", READS)
def test_a_stranger_gets_404_and_anonymous_401(api_client_of, client, open_course, outsider, path):
    assert api_client_of(outsider).get(base() + path).json() == NOT_FOUND
    assert client.get(base() + path).status_code == 401


def test_the_paper_list_says_taken_mine_and_presenter(api_client_of, student, other_student, zero):
    Presentation.objects.create(
        course=zero.course, student=Enrollment.objects.get(user=student), paper=zero
    )

    mine = {row["key"]: row for row in api_client_of(student).get(base() + "/papers/").json()}
    theirs = {
        row["key"]: row for row in api_client_of(other_student).get(base() + "/papers/").json()
    }

    assert (mine["zero"]["taken"], mine["zero"]["mine"], mine["zero"]["presenter"]) == (
        True,
        True,
        "Alice Liddell",
    )
    assert (theirs["zero"]["mine"], theirs["vllm"]["taken"]) == (False, False)
    assert mine["zero"]["category"] == {"key": "training", "name": "Training"}


def test_the_paper_list_filters(api_client_of, student, open_course):
    client = api_client_of(student)

    assert [r["key"] for r in client.get(base() + "/papers/?q=vll").json()] == ["vllm"]
    assert [r["key"] for r in client.get(base() + "/papers/?category=training").json()] == ["zero"]
    assert client.get(base() + "/papers/?availability=taken").json() == []


def test_the_slot_list_shape(api_client_of, student, slots):
    slot_sign_up(
        student=Enrollment.objects.get(user=student),
        slot=slots[0],
        actor=None,
        via="api",
        now=BEFORE_FREEZE,
    )

    rows = api_client_of(student).get(base() + "/slots/").json()

    assert [(r["position"], r["taken"], r["mine"], r["open"], r["capacity"]) for r in rows] == [
        (1, 1, True, True, 1),
        (2, 0, False, True, 1),
    ]
    assert rows[0]["session_date"] == "2025-09-09"
    assert rows[0]["category"] == {"key": "training", "name": "Training"}
    assert rows[0]["talks"] == [{"presenter": "Alice Liddell", "paper": None}]


# --- sign-up ------------------------------------------------------------------------------


def test_a_student_books_and_drops_over_the_api(api_client_of, student, slots):
    client = api_client_of(student)
    url = f"{base()}/slots/{slots[0].pk}/signup/"

    booked = client.post(url, {}, content_type="application/json")
    assert booked.status_code == 201
    assert booked.json()["slot_id"] == slots[0].pk
    again = client.post(url, {}, content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "already_booked"

    assert client.delete(url).status_code == 204
    assert Slot.objects.get(pk=slots[0].pk).booked == 0


def test_a_full_slot_is_409_slot_full(api_client_of, student, other_student, slots):
    api_client_of(student).post(f"{base()}/slots/{slots[0].pk}/signup/")

    response = api_client_of(other_student).post(f"{base()}/slots/{slots[0].pk}/signup/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This slot is full. Join the session's waitlist to get the next free seat.",
        "code": "slot_full",
    }


@pytest.mark.parametrize("who", ["ta", "instructor"])
def test_staff_get_403_on_student_actions(request, api_client_of, slots, who):
    client = api_client_of(request.getfixturevalue(who))

    assert client.post(f"{base()}/slots/{slots[0].pk}/signup/").status_code == 403
    assert (
        client.put(
            f"{base()}/papers/preferences/", {"paper_ids": []}, content_type="application/json"
        ).status_code
        == 403
    )
    assert client.get(f"{base()}/swaps/").status_code == 403


def test_another_courses_slot_is_404(api_client_of, student, other_course, open_course):
    foreign = Slot.objects.filter(course=other_course).first()

    response = api_client_of(student).post(f"{base()}/slots/{foreign.pk}/signup/")

    assert response.status_code == 404
    assert Slot.objects.get(pk=foreign.pk).booked == 0


def test_an_outsider_cannot_book(api_client_of, outsider, slots):
    response = api_client_of(outsider).post(f"{base()}/slots/{slots[0].pk}/signup/")

    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("body", [{"talk": "x"}, {"talk": 0}, {"talk": 10**20}, {"talk": [1]}])
def test_a_bad_talk_number_is_400(api_client_of, student, slots, body):
    response = api_client_of(student).post(
        f"{base()}/slots/{slots[0].pk}/signup/", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


# --- waitlist and swaps -------------------------------------------------------------------


def test_waitlist_join_and_leave(api_client_of, student, make_students, slots, session):
    for person, slot in zip(make_students(2), slots, strict=True):
        slot_sign_up(student=person, slot=slot, actor=None, via="api", now=BEFORE_FREEZE)
    client = api_client_of(student)
    url = f"{base()}/sessions/{session.pk}/waitlist/"

    joined = client.post(url)
    assert joined.status_code == 201
    assert joined.json()["talk"] == 1
    assert WaitlistEntry.objects.count() == 1
    assert client.delete(url).status_code == 204
    assert client.delete(url).json()["code"] == "not_waiting"


def test_swap_ask_list_accept(api_client_of, student, other_student, slots):
    for user, slot in ((student, slots[0]), (other_student, slots[1])):
        slot_sign_up(
            student=Enrollment.objects.get(user=user),
            slot=slot,
            actor=None,
            via="api",
            now=BEFORE_FREEZE,
        )

    asked = api_client_of(student).post(
        f"{base()}/swaps/", {"slot_id": slots[1].pk}, content_type="application/json"
    )
    assert asked.status_code == 201
    swap_id = asked.json()["id"]
    listed = api_client_of(other_student).get(f"{base()}/swaps/").json()
    assert [(s["id"], s["requester"], s["status"]) for s in listed] == [
        (swap_id, "Alice Liddell", "pending")
    ]
    # Only the asked student accepts.
    assert (
        api_client_of(student).post(f"{base()}/swaps/{swap_id}/").json()["code"] == "no_such_swap"
    )
    accepted = api_client_of(other_student).post(f"{base()}/swaps/{swap_id}/")
    assert accepted.status_code == 200
    assert SwapRequest.objects.get().status == "accepted"


def test_a_stranger_cannot_see_or_answer_a_swap(
    api_client_of, student, other_student, outsider, make_students, slots
):
    for user, slot in ((student, slots[0]), (other_student, slots[1])):
        slot_sign_up(
            student=Enrollment.objects.get(user=user),
            slot=slot,
            actor=None,
            via="api",
            now=BEFORE_FREEZE,
        )
    swap_id = (
        api_client_of(student)
        .post(f"{base()}/swaps/", {"slot_id": slots[1].pk}, content_type="application/json")
        .json()["id"]
    )
    (third,) = make_students(1)

    assert api_client_of(third.user).post(f"{base()}/swaps/{swap_id}/").status_code == 404
    assert api_client_of(outsider).post(f"{base()}/swaps/{swap_id}/").json() == NOT_FOUND


# --- papers -------------------------------------------------------------------------------


def test_claim_and_release_over_the_api(api_client_of, student, other_student, zero):
    url = f"{base()}/papers/{zero.pk}/claim/"

    assert api_client_of(student).post(url).status_code == 201
    taken = api_client_of(other_student).post(url)
    assert (taken.status_code, taken.json()["code"]) == (409, "paper_taken")
    assert api_client_of(student).delete(url).status_code == 204


def test_preferences_put_and_get(api_client_of, student, course, zero, vllm):
    course.paper_assignment = Course.PaperAssignment.PREFERENCES
    course.save()
    client = api_client_of(student)
    url = f"{base()}/papers/preferences/"

    response = client.put(url, {"paper_ids": [vllm.pk, zero.pk]}, content_type="application/json")

    assert response.json() == {"paper_ids": [vllm.pk, zero.pk]}
    assert client.get(url).json() == {"paper_ids": [vllm.pk, zero.pk]}
    assert PaperPreference.objects.count() == 2
    bad = client.put(url, {"paper_ids": "zero"}, content_type="application/json")
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    dup = client.put(url, {"paper_ids": [zero.pk, zero.pk]}, content_type="application/json")
    assert (dup.status_code, dup.json()["code"]) == (409, "duplicate_paper")


def test_proposals_over_the_api(api_client_of, student, course):
    course.proposals_allowed = True
    course.save()
    client = api_client_of(student)
    url = f"{base()}/papers/proposals/"

    created = client.post(
        url,
        {
            "title": "FlashAttention",
            "category": "training",
            "url": "https://arxiv.org/abs/2205.14135",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["status"] == "pending"
    assert [p["title"] for p in client.get(url).json()] == ["FlashAttention"]
    wrong = client.post(url, {"title": "X", "category": "nope"}, content_type="application/json")
    assert wrong.status_code == 400
