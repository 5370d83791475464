import pytest
from django.contrib.auth import get_user_model

from conftest import enrol, make_user
from courseapp.enrollments import INSTRUCTOR_GROUP
from courseapp.models import AuditEntry, Enrollment, Role
from courseapp.roster import (
    RosterChangedError,
    RosterError,
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
    assert ingrid.has_perm("schedule.view_week")
    assert ingrid.has_perm("grading.view_criterion")
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
                "row 2, column username: 'carol smith' is not a valid username: it contains "
                "a space; use ASCII letters, digits and . _ - @ + only"
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
                "username, email, first_name, last_name, role, student_id "
                "(optionally followed by section)",
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


# --- accounts shared with other courses (issue: cross-course account takeover) ------------


def test_an_account_of_another_course_is_enrolled_but_its_details_are_kept(
    course, other_course, outsider
):
    report = roster_import(
        course=course, csv_text=roster("mallory,evil@attacker.example,Eve,Hacker,student,S5")
    )

    outsider.refresh_from_db()
    assert (outsider.email, outsider.first_name, outsider.last_name) == (
        "mallory@example.org",
        "",
        "",
    )
    assert report.updated_users == []
    assert report.new_enrolments == ["mallory as student (S5)"]
    assert report.kept == [
        "mallory's email 'mallory@example.org' (the file says 'evil@attacker.example'): "
        "the account belongs to other courses",
        "mallory's first_name '' (the file says 'Eve'): the account belongs to other courses",
        "mallory's last_name '' (the file says 'Hacker'): the account belongs to other courses",
    ]
    assert "kept: mallory's email 'mallory@example.org'" in "\n".join(report.lines())
    # Enrolled now in both courses, the account still belongs to more than this one.
    again = roster_import(
        course=course, csv_text=roster("mallory,evil@attacker.example,,,student,S5")
    )
    assert again.kept == [
        "mallory's email 'mallory@example.org' (the file says 'evil@attacker.example'): "
        "the account belongs to other courses too"
    ]
    assert User.objects.get(pk=outsider.pk).email == "mallory@example.org"


@pytest.mark.parametrize("flag", ["is_staff", "is_superuser"])
def test_an_account_with_admin_access_keeps_its_details(course, student, flag):
    setattr(student, flag, True)
    student.save()

    report = roster_import(course=course, csv_text=roster("alice,new@example.org,,,student,"))

    student.refresh_from_db()
    assert student.email == "alice@example.org"
    assert report.kept == [
        "alice's email 'alice@example.org' (the file says 'new@example.org'): "
        "the account has admin access"
    ]


def test_an_account_with_no_course_at_all_keeps_its_details(course):
    loner = make_user("loner")

    roster_import(course=course, csv_text=roster("loner,new@example.org,,,student,"))

    loner.refresh_from_db()
    assert loner.email == "loner@example.org"


def test_new_usernames_are_normalised_and_a_reimport_finds_them(course):
    report = roster_import(course=course, csv_text=roster("Carol.Chen,,,,student,"))

    assert report.created_users == ["carol.chen"]
    assert User.objects.filter(username="carol.chen").exists()
    assert not roster_import(course=course, csv_text=roster("CAROL.CHEN,,,,student,")).changed


def test_fullwidth_letters_are_folded_to_ascii(course):
    roster_import(course=course, csv_text=roster("ｃａｒｏｌ,,,,student,"))

    assert User.objects.filter(username="carol").exists()


@pytest.mark.parametrize(
    ("username", "problem"),
    [
        pytest.param(
            "stud\u0435nt01",
            "row 2, column username: 'stud\u0435nt01' is not a valid username: it contains "
            "'\u0435' (U+0435 CYRILLIC SMALL LETTER IE); use ASCII letters, digits and "
            ". _ - @ + only",
            id="cyrillic-e",
        ),
        pytest.param(
            "josé",
            "row 2, column username: 'josé' is not a valid username: it contains 'é' "
            "(U+00E9 LATIN SMALL LETTER E WITH ACUTE); use ASCII letters, digits and "
            ". _ - @ + only",
            id="accent",
        ),
    ],
)
def test_a_username_outside_ascii_is_refused(course, student, username, problem):
    before = snapshot(course)

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=roster(f"{username},,,,student,"))

    assert caught.value.problems == [problem]
    assert snapshot(course) == before


def test_a_username_equal_to_an_existing_one_apart_from_case_is_refused(course):
    make_user("Student01")
    before = snapshot(course)

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=roster("student01,,,,student,"))

    assert caught.value.problems == [
        "row 2, column username: 'student01' differs only in case from the existing account "
        "'Student01'; use that spelling"
    ]
    assert snapshot(course) == before
    # Written exactly as it exists, it is that account.
    assert roster_import(course=course, csv_text=roster("Student01,,,,student,")).new_enrolments


def test_two_rows_differing_only_in_case_are_one_username_twice(course):
    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=roster("carol,,,,student,", "CAROL,,,,ta,"))

    assert caught.value.problems == ["row 3, column username: 'CAROL' already appears in row 2"]


# --- hostile cells ------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["username", "email", "first_name", "student_id"])
def test_a_nul_byte_in_any_cell_is_a_located_error(course, student, column):
    cells = {"username": "carol", "email": "", "first_name": "", "student_id": ""}
    cells[column] = cells[column] + "\x00x"
    row = f"{cells['username']},{cells['email']},{cells['first_name']},,student,"
    row += cells["student_id"]
    before = snapshot(course)

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=roster(row))

    assert caught.value.problems[0] == (
        f"row 2, column {column}: contains a control character (such as a NUL byte); remove it"
    )
    assert snapshot(course) == before


def test_a_cell_over_the_csv_field_limit_is_a_located_error(course):
    text = roster("carol,,,,student,", f"dave,,{'x' * 200_000},,student,")

    with pytest.raises(RosterError) as caught:
        roster_import(course=course, csv_text=text)

    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("row 3: cannot be read as CSV (field larger than")
    assert not User.objects.filter(username="carol").exists()


# --- sections, audit, roles ---------------------------------------------------------------

SECTIONED = "\n".join(
    [
        f"{HEADER},section",
        "carol,,,,student,S100,phd",
        "dave,,,,student,S101,",
    ]
)


def test_the_optional_section_column_is_stored_and_reported(course):
    report = roster_import(course=course, csv_text=SECTIONED)

    assert report.new_enrolments == ["carol as student (S100, phd)", "dave as student (S101)"]
    assert Enrollment.objects.get(user__username="carol").section == "phd"

    changed = roster_import(course=course, csv_text=SECTIONED.replace(",phd", ",mphil"))
    assert changed.changed_enrolments == ["carol (section: 'phd' -> 'mphil')"]
    # An empty section cell keeps the stored one.
    assert Enrollment.objects.get(user__username="carol").section == "mphil"


def test_every_change_of_an_import_is_in_the_audit_log(course, student, instructor):
    roster_import(
        course=course,
        csv_text=roster("carol,carol@example.org,,,student,S100", "alice,,,,ta,"),
        actor=instructor,
    )

    entries = list(
        AuditEntry.objects.filter(course=course)
        .exclude(action="course_file.load")
        .values_list("action", "object_label", "actor_label", "via")
    )
    assert sorted(entries) == sorted(
        [
            ("enrollment.create", "carol in seminar", "prof", "roster"),
            ("enrollment.role", "alice in seminar", "prof", "roster"),
            ("roster.import", "seminar", "prof", "roster"),
        ]
    )
    assert AuditEntry.objects.exclude(action="course_file.load").get(
        action="enrollment.create"
    ).new == {
        "role": "student",
        "student_id": "S100",
        "section": "",
        "account": {
            "username": "carol",
            "email": "carol@example.org",
            "first_name": "",
            "last_name": "",
        },
    }
    role_change = AuditEntry.objects.exclude(action="course_file.load").get(
        action="enrollment.role"
    )
    assert (role_change.old, role_change.new) == ({"role": "student"}, {"role": "ta"})


def test_an_import_that_changes_nothing_writes_no_audit_entry(course, student):
    roster_import(course=course, csv_text=roster("alice,,,,student,S001"))

    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_a_dry_run_writes_no_audit_entry(course):
    roster_import(course=course, csv_text=CLASS, dry_run=True)

    assert not AuditEntry.objects.exclude(action="course_file.load").exists()


def test_demoting_an_instructor_removes_their_admin_access(course):
    roster_import(course=course, csv_text=CLASS)
    ingrid = User.objects.get(username="ingrid")
    assert ingrid.is_staff

    report = roster_import(course=course, csv_text=roster("ingrid,,,,ta,"))

    ingrid.refresh_from_db()
    assert report.changed_enrolments == ["ingrid (role: instructor -> ta)"]
    assert not ingrid.is_staff
    assert not ingrid.groups.exists()


def test_a_withdrawn_person_stays_withdrawn_and_is_reported(course, student, instructor):
    from courseapp.enrollments import enrollment_withdraw

    enrollment_withdraw(
        enrollment=Enrollment.objects.get(user=student),
        actor=instructor,
        via="admin",
        reason="left the programme",
    )

    report = roster_import(course=course, csv_text=roster("alice,,,,student,S001"))

    assert report.kept == ["alice's enrolment is withdrawn: reinstate in the admin"]
    assert Enrollment.objects.get(user=student).is_withdrawn


# --- invitations --------------------------------------------------------------------------


def test_invite_mails_each_new_account_once_the_import_commits(
    course, student, instructor, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        report = roster_import(
            course=course,
            csv_text=roster(
                "carol,carol@example.org,Carol,Chen,student,",
                "dave,,,,student,",
                "alice,,,,student,",
            ),
            actor=instructor,
            invite=True,
            base_url="https://courses.example.edu/",
        )

    assert report.invited == ["carol <carol@example.org>"]  # dave has no address; alice exists
    assert [m.to for m in mailoutbox] == [["carol@example.org"]]
    assert "https://courses.example.edu/accounts/password/reset/" in mailoutbox[0].body
    assert AuditEntry.objects.filter(action="account.invitation_sent", course=course).count() == 1


def test_a_dry_run_invites_nobody(course, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        roster_import(
            course=course,
            csv_text=roster("carol,carol@example.org,,,student,"),
            dry_run=True,
            invite=True,
        )

    assert mailoutbox == []
