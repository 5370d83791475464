"""The admin around bookings: presenters per slot, moves and paper changes with a reason,
proposals approved or rejected, all scoped to the instructor's courses."""

import pytest

from courseapp.models import AuditEntry, Enrollment
from presentations.models import PaperProposal, Presentation, Slot
from presentations.services import slot_sign_up
from tests.presentations.conftest import BEFORE_FREEZE


@pytest.fixture
def booked(student, slots):
    return slot_sign_up(
        student=Enrollment.objects.get(user=student),
        slot=slots[0],
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )


def test_the_slot_list_shows_presenters_and_seats(staff_instructor, booked, client_of):
    response = client_of(staff_instructor).get("/admin/presentations/slot/")

    content = response.content.decode()
    assert "alice" in content
    rows = {slot.position: slot for slot in response.context["cl"].result_list}
    assert (rows[1].booked, rows[2].booked) == (1, 0)


def test_a_move_asks_for_a_reason_then_moves_and_audits(staff_instructor, booked, slots, client_of):
    client = client_of(staff_instructor)
    data = {"action": "move", "_selected_action": [booked.pk], "slot": slots[1].pk}

    page = client.post("/admin/presentations/presentation/", data)
    assert page.status_code == 200
    assert "Move to" in page.content.decode()
    no_reason = client.post("/admin/presentations/presentation/", {**data, "confirm": "Move"})
    assert "reason" in no_reason.context["form"].errors
    assert Presentation.objects.get(pk=booked.pk).slot == slots[0]

    done = client.post(
        "/admin/presentations/presentation/", {**data, "confirm": "Move", "reason": "Clash"}
    )

    assert done.status_code == 302
    assert Presentation.objects.get(pk=booked.pk).slot == slots[1]
    assert [
        s.booked for s in Slot.objects.filter(pk__in=[s.pk for s in slots]).order_by("position")
    ] == [0, 1]
    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="booking.move")
    assert (entry.reason, entry.actor, entry.via) == ("Clash", staff_instructor, "admin")


def test_a_move_into_a_full_slot_is_refused_with_a_message(
    staff_instructor, booked, other_student, slots, client_of
):
    other = slot_sign_up(
        student=Enrollment.objects.get(user=other_student),
        slot=slots[1],
        actor=None,
        via="page",
        now=BEFORE_FREEZE,
    )

    response = client_of(staff_instructor).post(
        "/admin/presentations/presentation/",
        {
            "action": "move",
            "_selected_action": [other.pk],
            "slot": slots[0].pk,
            "confirm": "Move",
            "reason": "x",
        },
        follow=True,
    )

    assert any("This slot is full" in str(m) for m in response.context["messages"])
    assert Presentation.objects.get(pk=other.pk).slot == slots[1]


def test_the_move_form_offers_only_the_taught_courses_slots(
    staff_instructor, booked, other_course, client_of
):
    page = client_of(staff_instructor).post(
        "/admin/presentations/presentation/", {"action": "move", "_selected_action": [booked.pk]}
    )

    assert {slot.course_id for slot in page.context["form"].fields["slot"].queryset} == {
        booked.course_id
    }


def test_another_courses_talks_are_out_of_reach(
    staff_instructor, outsider, other_course, client_of
):
    from presentations.models import Presentation as Talk

    talk = Talk.objects.create(course=other_course, student=Enrollment.objects.get(user=outsider))

    response = client_of(staff_instructor).get(
        f"/admin/presentations/presentation/{talk.pk}/change/"
    )

    assert response.status_code == 404


def test_talks_are_never_added_or_deleted_in_the_admin(staff_instructor, booked, client_of):
    client = client_of(staff_instructor)

    assert client.get("/admin/presentations/presentation/add/").status_code == 403
    assert client.get(f"/admin/presentations/presentation/{booked.pk}/delete/").status_code == 403


def test_proposals_are_approved_and_rejected_with_a_note(
    staff_instructor, student, course, client_of
):
    course.proposals_allowed = True
    course.save()
    enrolment = Enrollment.objects.get(user=student)
    good, bad = (
        PaperProposal.objects.create(
            course=course, student=enrolment, title=title, category=course.categories.first()
        )
        for title in ("Good", "Bad")
    )
    client = client_of(staff_instructor)

    client.post(
        "/admin/presentations/paperproposal/",
        {"action": "approve", "_selected_action": [good.pk], "confirm": "Approve", "reason": ""},
    )
    client.post(
        "/admin/presentations/paperproposal/",
        {
            "action": "reject",
            "_selected_action": [bad.pk],
            "confirm": "Reject",
            "reason": "Off topic",
        },
    )

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.status, good.paper.proposed_for) == ("approved", enrolment)
    assert (bad.status, bad.note) == ("rejected", "Off topic")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/presentations/slot/",
        "/admin/presentations/presentation/",
        "/admin/presentations/paperproposal/",
    ],
)
def test_bookings_admin_is_closed_to_students_and_tas(client_as, course, student, ta, url):
    for who in ("student", "ta"):
        response = client_as(who).get(url)
        assert response.status_code == 302
