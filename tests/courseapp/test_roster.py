import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from conftest import enrol, make_user
from courseapp.models import Enrollment, Role
from courseapp.roster import (
    INSTRUCTOR_GROUP,
    RosterChangedError,
    RosterError,
    grant_instructor_access,
    roster_decode,
    roster_import,
    roster_parse,
)

User = get_user_model()
HEADER = "username,email,first_name,last_name,role,student_id"


def roster(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def snapshot(course) -> tuple:
    """Everything an import may touch, to compare before and after."""
    users = tuple(
        User.objects.order_by("username").values_list(
            "username", "email", "first_name", "last_name", "is_staff", "password"
        )
    )
    enrolments = tuple(
        Enrollment.objects.filter(course=course)
        .order_by("user__username")
        .values_list("user__username", "role", "student_id")
    )
    groups = tuple(User.groups.through.objects.order_by("pk").values_list("user_id", "group_id"))
    return users, enrolments, groups


CLASS = roster(
    "carol,carol@example.org,Carol,Chen,student,S100",
    "dave,dave@example.org,Dave,Diaz,student,S101",
    "tess,tess@example.org,Tess,Tan,ta,",
    "ingrid,ingrid@example.org,Ingrid,Ivers,instructor,",
)


def test_import_creates_users_without_a_password_and_enrols_them(course):
    report = roster_import(course=course, csv_text=CLASS)

    assert report.created_users == [
        "carol (Carol Chen)",
        "dave (Dave Diaz)",
        "tess (Tess Tan)",
        "ingrid (Ingrid Ivers)",
    ]
    assert report.new_enrolments == [
        "carol as student (S100)",
        "dave as student (S101)",
        "tess as ta",
        "ingrid as instructor",
    ]
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.org"
    assert (carol.first_name, carol.last_name) == ("Carol", "Chen")
    # Nobody can sign in as a roster-created user until an instructor sets a password.
    assert not carol.has_usable_password()
    assert set(
        Enrollment.objects.filter(course=course).values_list("user__username", "role", "student_id")
    ) == {
        ("carol", "student", "S100"),
        ("dave", "student", "S101"),
        ("tess", "ta", ""),
        ("ingrid", "instructor", ""),
    }


def test_instructor_rows_get_admin_access_and_tas_do_not(course):
    report = roster_import(course=course, csv_text=CLASS)

    ingrid, tess = User.objects.get(username="ingrid"), User.objects.get(username="tess")
    assert report.access_granted == ["ingrid"]
    assert ingrid.is_staff
    assert ingrid.groups.filter(name=INSTRUCTOR_GROUP).exists()
    assert ingrid.has_perm("schedule.change_week")
    assert ingrid.has_perm("grading.change_criterion")
    assert ingrid.has_perm("courseapp.change_enrollment")
    assert not tess.is_staff
    assert not tess.groups.exists()


def test_second_import_of_the_same_file_changes_nothing_and_says_so(course):
    roster_import(course=course, csv_text=CLASS)
    before = snapshot(course)

    report = roster_import(course=course, csv_text=CLASS)

    assert snapshot(course) == before
    assert not report.changed
    assert report.unchanged == ["carol", "dave", "tess", "ingrid"]
    assert (
        report.summary()
        == "seminar: nothing to change (4 unchanged, 0 not in file (kept enrolled))"
    )


def test_import_updates_users_and_enrolments_in_place(course, student, other_student):
    alice_pk = student.pk
    report = roster_import(
        course=course,
        csv_text=roster(
            "alice,alice@uni.example,Alicia,Liddell,student,S001",
            "bob,,,,ta,",
        ),
    )

    student.refresh_from_db()
    assert student.pk == alice_pk
    assert (student.email, student.first_name) == ("alice@uni.example", "Alicia")
    assert report.updated_users == [
        "alice (email: 'alice@example.org' -> 'alice@uni.example'; first_name: 'Alice' -> 'Alicia')"
    ]
    assert report.changed_enrolments == ["bob (role: student -> ta)"]
    assert Enrollment.objects.get(course=course, user=other_student).role == Role.TA
    assert Enrollment.objects.filter(course=course).count() == 2


def test_empty_cells_keep_what_is_stored(course, other_student):
    roster_import(course=course, csv_text=roster("bob,,,,student,"))

    other_student.refresh_from_db()
    assert other_student.email == "bob@example.org"
    assert (other_student.first_name, other_student.last_name) == ("Bob", "Builder")
    assert Enrollment.objects.get(course=course, user=other_student).student_id == "S002"


def test_people_absent_from_the_file_stay_enrolled_and_are_reported(course, student, ta):
    report = roster_import(course=course, csv_text=roster("carol,,,,student,S100"))

    assert report.not_in_file == ["alice as student (S001)", "ta1 as ta"]
    assert Enrollment.objects.filter(course=course, user__in=[student, ta]).count() == 2


def test_existing_user_of_another_course_is_enrolled_not_recreated(course, outsider):
    report = roster_import(course=course, csv_text=roster("mallory,,,,student,S999"))

    assert report.created_users == []
    assert report.new_enrolments == ["mallory as student (S999)"]
    assert outsider.has_usable_password()
    assert outsider.enrollments.count() == 2


def test_dry_run_reports_and_writes_nothing(course, student):
    before = snapshot(course)

    report = roster_import(course=course, csv_text=CLASS, dry_run=True)

    assert snapshot(course) == before
    assert report.changed
    assert len(report.created_users) == 4
    assert report.access_granted == ["ingrid"]


def test_role_in_capitals_and_a_byte_order_mark_are_accepted(course):
    text = "\ufeff" + roster("carol,,,,Student,S100")

    roster_import(course=course, csv_text=text)

    assert Enrollment.objects.get(user__username="carol").role == Role.STUDENT


def test_emails_are_normalised_so_a_reimport_stays_idempotent(course):
    text = roster("carol,Carol@EXAMPLE.ORG,,,student,")
    roster_import(course=course, csv_text=text)

    assert User.objects.get(username="carol").email == "Carol@example.org"
    assert not roster_import(course=course, csv_text=text).changed


def test_two_students_may_swap_student_ids_in_one_file(course, student, other_student):
    roster_import(course=course, csv_text=roster("alice,,,,student,S002", "bob,,,,student,S001"))

    assert dict(
        Enrollment.objects.filter(course=course).values_list("user__username", "student_id")
    ) == {"alice": "S002", "bob": "S001"}


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param(
            roster("alice,,,,student,", "bob,,,,ta,", "carol,,,,prof,"),
            ["row 4, column role: 'prof' is not one of student, ta, instructor"],
            id="unknown-role",
        ),
        pytest.param(
            roster("carol,,,,,"),
            ["row 2, column role: empty is not one of student, ta, instructor"],
            id="empty-role",
        ),
        pytest.param(
            roster(",x@example.org,,,student,"),
            ["row 2, column username: empty; every row needs a username"],
            id="empty-username",
        ),
        pytest.param(
            roster("carol smith,,,,student,"),
            [
                "row 2, column username: 'carol smith' is not a valid username "
                "(letters, digits and @ . + - _ only, no spaces)"
            ],
            id="bad-username",
        ),
        pytest.param(
            roster("carol,carol-at-example.org,,,student,"),
            ["row 2, column email: 'carol-at-example.org' is not a valid email address"],
            id="bad-email",
        ),
        pytest.param(
            roster("carol,,,,student,", "dave,,,,student,", "carol,,,,ta,"),
            ["row 4, column username: 'carol' already appears in row 2"],
            id="duplicate-username",
        ),
        pytest.param(
            roster("carol,,,,student,S100", "dave,,,,student,S100"),
            [
                "row 2, column student_id: 'S100' is also the student id of dave (row 3)",
                "row 3, column student_id: 'S100' is also the student id of carol (row 2)",
            ],
            id="student-id-twice-in-file",
        ),
        pytest.param(
            roster("carol,,,,student,S001"),
            ["row 2, column student_id: 'S001' is also the student id of alice (already enrolled)"],
            id="student-id-of-an-enrolled-student",
        ),
        pytest.param(
            roster("carol,,,,student", "dave,,,,student,S1,extra"),
            [
                "row 2: expected 6 columns (username,email,first_name,last_name,role,"
                "student_id), found 5",
                "row 3: expected 6 columns (username,email,first_name,last_name,role,"
                "student_id), found 7",
            ],
            id="column-count",
        ),
        pytest.param(
            "username,email,firstname,last_name,role\ncarol,,,,student\n",
            [
                "row 1, column 3: expected 'first_name', found 'firstname'",
                "row 1, column 6: expected 'student_id', missing",
                "row 1: the header must be exactly: "
                "username, email, first_name, last_name, role, student_id",
            ],
            id="header",
        ),
        pytest.param(
            "",
            [
                "row 1: the file has no header; expected "
                "username,email,first_name,last_name,role,student_id"
            ],
            id="empty-file",
        ),
        pytest.param(
            roster(),
            ["row 2: the file lists nobody; add one row per person"],
            id="header-only",
        ),
        pytest.param(
            roster(f"carol,,{'x' * 151},,student,"),
            ["row 2, column first_name: longer than 150 characters"],
            id="too-long",
        ),
    ],
)
def test_a_bad_file_changes_nothing_and_locates_every_problem(course, student, text, problems):
    before = snapshot(course)

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=text)

    assert caught.value.problems == problems
    assert snapshot(course) == before


def test_every_problem_of_a_file_is_listed_in_row_order(course, student):
    text = roster(
        "carol,,,,student,S001",  # S001 is alice's
        "dave,not-an-email,,,prof,",
        "good,good@example.org,Good,Row,student,S500",
        ",,,,student,",
    )
    before = snapshot(course)

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=text)

    assert caught.value.problems == [
        "row 2, column student_id: 'S001' is also the student id of alice (already enrolled)",
        "row 3, column email: 'not-an-email' is not a valid email address",
        "row 3, column role: 'prof' is not one of student, ta, instructor",
        "row 5, column username: empty; every row needs a username",
    ]
    # The good row is not imported either: all or nothing.
    assert snapshot(course) == before
    assert not User.objects.filter(username="good").exists()


def test_a_ta_and_a_student_may_share_a_student_id(course, student):
    roster_import(course=course, csv_text=roster("tess,,,,ta,S001"))

    assert Enrollment.objects.get(user__username="tess").student_id == "S001"


def test_roster_parse_checks_a_file_without_a_course():
    rows = roster_parse(roster("carol,c@example.org,Carol,Chen,ta,"))

    assert [(row.row, row.username, row.role) for row in rows] == [(2, "carol", Role.TA)]


def test_decode_refuses_a_file_that_is_not_utf8_and_locates_the_bytes():
    data = roster("carol,,Carol,Chen,student,", "rene,,Ren\xe9,M\xfcller,student,").encode(
        "latin-1"
    )

    with pytest.raises(RosterError) as caught:
        roster_decode(data)

    assert caught.value.problems == [
        "row 3, column first_name: not UTF-8 text (byte 0xE9); save the file as CSV with UTF-8 "
        "encoding",
        "row 3, column last_name: not UTF-8 text (byte 0xFC); save the file as CSV with UTF-8 "
        "encoding",
    ]


def test_decode_drops_a_byte_order_mark():
    assert roster_decode(b"\xef\xbb\xbf" + roster("ren\xe9,,,,ta,").encode()) == roster(
        "ren\xe9,,,,ta,"
    )


def test_apply_refuses_when_the_outcome_differs_from_the_preview(course):
    text = roster("carol,,,,student,S100")
    preview = roster_import(course=course, csv_text=text, dry_run=True)
    # Meanwhile someone enrols carol by hand, with another id.
    enrol(make_user("carol"), course, Role.STUDENT, student_id="S7")
    before = snapshot(course)

    with pytest.raises(RosterChangedError):
        roster_import(course=course, csv_text=text, expected_digest=preview.digest())

    assert snapshot(course) == before


def test_apply_goes_ahead_when_the_outcome_is_as_previewed(course, student):
    text = roster("carol,,,,student,S100")
    preview = roster_import(course=course, csv_text=text, dry_run=True)
    # Unrelated: someone else enrolled by hand does not change what this file does.
    enrol(make_user("zed"), course, Role.STUDENT)

    report = roster_import(course=course, csv_text=text, expected_digest=preview.digest())

    assert report.new_enrolments == ["carol as student (S100)"]


def test_grant_instructor_access_is_idempotent(db):
    user = make_user("ingrid")

    assert grant_instructor_access(user=user) is True
    assert grant_instructor_access(user=user) is False
    user.refresh_from_db()
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [INSTRUCTOR_GROUP]


def test_grant_instructor_access_rebuilds_a_deleted_group(db):
    Group.objects.filter(name=INSTRUCTOR_GROUP).delete()
    user = make_user("ingrid")

    grant_instructor_access(user=user)

    user = User.objects.get(pk=user.pk)  # fresh permission cache
    assert user.has_perm("presentations.change_paper")
    assert user.has_perm("auth.change_user")
    assert not user.has_perm("auth.add_user")


def test_the_migration_created_the_instructors_group(db):
    group = Group.objects.get(name=INSTRUCTOR_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))

    assert {"add_week", "change_meeting", "delete_paper", "view_criterion"} <= codenames
    assert {"view_user", "change_user"} <= codenames
    assert "add_user" not in codenames


def test_reimporting_a_class_runs_a_fixed_number_of_queries(course, django_assert_max_num_queries):
    text = roster(*(f"s{n:02},s{n:02}@example.org,S,{n},student,ID{n}" for n in range(30)))
    roster_import(course=course, csv_text=text)

    with django_assert_max_num_queries(6):
        report = roster_import(course=course, csv_text=text)

    assert len(report.unchanged) == 30


def test_decode_reports_one_problem_a_cell_however_many_bad_bytes():
    data = roster("rene,,Ren\xe9e\xe9,,student,").encode("latin-1")

    with pytest.raises(RosterError) as caught:
        roster_decode(data)

    assert caught.value.problems == [
        "row 2, column first_name: not UTF-8 text (byte 0xE9); save the file as CSV with UTF-8 "
        "encoding"
    ]


def test_decode_of_a_large_latin1_file_lists_every_cell_quickly():
    rows = (f"user{n},,Ren\xe9,M\xfcller,student," for n in range(20000))
    data = roster(*rows).encode("latin-1")

    with pytest.raises(RosterError) as caught:
        roster_decode(data)

    assert len(caught.value.problems) == 40000
    assert caught.value.problems[-1].startswith("row 20001, column last_name:")
