import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import enrol, make_user
from courseapp.enrollments import admin_access_sync, instructor_group
from courseapp.models import AuditEntry, Course, Enrollment, Role

User = get_user_model()
HEADER = "username,email,first_name,last_name,role,student_id"

CLOSED_TO = ["anonymous", "student", "other_student", "ta", "outsider"]


@pytest.fixture
def other_instructor(other_course):
    user = make_user("otherprof")
    enrol(user, other_course, Role.INSTRUCTOR)
    admin_access_sync(users=[user])
    return user


def csv_upload(*rows: str, data: bytes | None = None) -> SimpleUploadedFile:
    content = data if data is not None else "\n".join([HEADER, *rows]).encode()
    return SimpleUploadedFile("roster.csv", content, content_type="text/csv")


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- who reaches the admin -------------------------------------------------------------


@pytest.mark.parametrize("who", CLOSED_TO)
@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/courseapp/course/",
        "/admin/courseapp/enrollment/",
        "/admin/auth/user/",
    ],
)
def test_admin_is_closed_to_students_tas_outsiders_and_anonymous(
    course, other_course, who, url, client_as, student, other_student, ta, outsider
):
    response = client_as(who).get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("who", ["staff_instructor", "superuser"])
def test_admin_is_open_to_instructors_and_superusers(who, client_as, course):
    response = client_as(who).get("/admin/")

    assert response.status_code == 200
    assert b"/admin/courseapp/course/" in response.content
    assert b"/admin/schedule/week/" in response.content


def test_instructors_do_not_manage_groups(staff_instructor, client_of):
    client = client_of(staff_instructor)

    assert b"/admin/auth/group/" not in client.get("/admin/").content
    assert client.get("/admin/auth/group/").status_code == 403


def test_an_instructor_who_teaches_nothing_any_more_sees_no_course_data(
    staff_instructor, course, client_of
):
    Enrollment.objects.filter(user=staff_instructor).update(role=Role.STUDENT)

    response = client_of(staff_instructor).get("/admin/")

    assert b"/admin/courseapp/course/" not in response.content
    assert client_of(staff_instructor).get("/admin/schedule/week/").status_code == 403


# --- courses -----------------------------------------------------------------------------


def test_instructor_lists_only_the_courses_they_teach(staff_instructor, other_course, client_of):
    response = client_of(staff_instructor).get("/admin/courseapp/course/")

    assert response.status_code == 200
    assert [c.code for c in response.context["cl"].result_list] == ["seminar"]


def test_superuser_lists_every_course(superuser, course, other_course, client_of):
    response = client_of(superuser).get("/admin/courseapp/course/")

    assert {c.code for c in response.context["cl"].result_list} == {"seminar", "other-seminar"}


def test_course_page_links_to_its_data_and_offers_the_roster_import(
    staff_instructor, course, student, client_of
):
    response = client_of(staff_instructor).get(f"/admin/courseapp/course/{course.pk}/change/")

    assert response.status_code == 200
    content = response.content.decode()
    assert f"/admin/courseapp/course/{course.pk}/roster/" in content
    assert f"/admin/schedule/week/?course__id__exact={course.pk}" in content
    assert f"/admin/presentations/paper/?course__id__exact={course.pk}" in content
    assert f"/admin/grading/criterion/?course__id__exact={course.pk}" in content
    assert f"/admin/courseapp/enrollment/?course__id__exact={course.pk}" in content
    assert "1 student, 0 TAs, 1 instructor" in content


@pytest.mark.parametrize("action", ["change", "delete", "history"])
def test_instructor_gets_404_on_another_courses_page(
    staff_instructor, other_course, client_of, action
):
    response = client_of(staff_instructor).get(
        f"/admin/courseapp/course/{other_course.pk}/{action}/"
    )

    assert response.status_code == 404


def test_an_instructor_reads_the_course_but_changes_it_only_through_its_file(
    staff_instructor, course, client_of
):
    client = client_of(staff_instructor)
    url = f"/admin/courseapp/course/{course.pk}/change/"

    page = client.get(url)
    response = client.post(url, {"title": "Renamed Seminar", "code": "hijacked"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert f"/admin/courseapp/course/{course.pk}/course-file/" in page.content.decode()
    assert response.status_code == 403
    course.refresh_from_db()
    assert (course.code, course.title) == ("seminar", "Systems Seminar")


def test_only_superusers_add_or_delete_courses(staff_instructor, superuser, course, client_of):
    assert client_of(staff_instructor).get("/admin/courseapp/course/add/").status_code == 403
    assert (
        client_of(staff_instructor)
        .post(f"/admin/courseapp/course/{course.pk}/delete/", {"post": "yes"})
        .status_code
        == 403
    )
    assert Course.objects.filter(pk=course.pk).exists()
    assert client_of(superuser).get("/admin/courseapp/course/add/").status_code == 200


def test_changing_a_role_to_instructor_grants_admin_access_and_is_audited(
    staff_instructor, course, ta, client_of
):
    enrolment = Enrollment.objects.get(user=ta)
    url = f"/admin/courseapp/enrollment/{enrolment.pk}/change/"

    response = client_of(staff_instructor).post(
        url, {"role": Role.INSTRUCTOR, "student_id": "", "section": ""}
    )

    assert response.status_code == 302
    ta.refresh_from_db()
    assert ta.is_staff
    assert Enrollment.objects.get(user=ta).role == Role.INSTRUCTOR
    entry = AuditEntry.objects.exclude(action="course_file.load").get(action="enrollment.role")
    assert (entry.actor, entry.via, entry.old, entry.new) == (
        staff_instructor,
        "admin",
        {"role": "ta"},
        {"role": "instructor"},
    )


def test_demoting_the_last_instructor_role_removes_admin_access(
    staff_instructor, course, superuser, client_of
):
    enrolment = Enrollment.objects.get(user=staff_instructor)

    client_of(superuser).post(
        f"/admin/courseapp/enrollment/{enrolment.pk}/change/",
        {"role": Role.TA, "student_id": "", "section": ""},
    )

    staff_instructor.refresh_from_db()
    assert not staff_instructor.is_staff
    assert not staff_instructor.groups.exists()


def test_the_course_page_counts_people_instead_of_listing_them(
    staff_instructor, course, student, other_student, ta, client_of
):
    response = client_of(staff_instructor).get(f"/admin/courseapp/course/{course.pk}/change/")

    content = response.content.decode()
    assert "2 students, 1 TA, 1 instructor" in content
    assert "alice in seminar as Student" not in content


def _course_form_data(client, url) -> dict:
    """The change form's current values, as the browser would post them back."""
    response = client.get(url)
    data = {}
    for form in [response.context["adminform"].form] + [
        inline_form
        for formset in response.context["inline_admin_formsets"]
        for inline_form in [formset.formset.management_form, *formset.formset.forms]
    ]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if hasattr(value, "pk"):
                value = value.pk
            if value is None:
                value = ""
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
                continue
            data[form.add_prefix(name)] = value
    # Split date/time widgets post two values.
    opens = data.pop("signup_opens_at", "")
    data["signup_opens_at_0"] = opens.strftime("%Y-%m-%d") if opens else ""
    data["signup_opens_at_1"] = opens.strftime("%H:%M:%S") if opens else ""
    return data


# --- enrolments --------------------------------------------------------------------------


def test_instructor_lists_only_their_courses_enrolments(
    staff_instructor, student, other_student, outsider, client_of
):
    response = client_of(staff_instructor).get("/admin/courseapp/enrollment/")

    usernames = {e.user.username for e in response.context["cl"].result_list}
    assert usernames == {"prof", "alice", "bob"}


def test_enrolments_search_by_student_id_and_filter_by_role(
    staff_instructor, student, other_student, ta, client_of
):
    client = client_of(staff_instructor)

    found = client.get("/admin/courseapp/enrollment/", {"q": "S002"}).context["cl"].result_list
    tas = client.get("/admin/courseapp/enrollment/", {"role__exact": "ta"}).context["cl"]

    assert [e.user.username for e in found] == ["bob"]
    assert [e.user.username for e in tas.result_list] == ["ta1"]


def test_enrolment_filters_offer_only_taught_courses(
    staff_instructor, other_course, outsider, superuser, client_of
):
    enrol(staff_instructor, other_course, Role.STUDENT)  # a member, not a teacher, there

    content = client_of(staff_instructor).get("/admin/courseapp/enrollment/").content.decode()

    assert "Other Seminar" not in content


def test_instructor_gets_404_on_another_courses_enrolment(staff_instructor, outsider, client_of):
    enrolment = Enrollment.objects.get(user=outsider)

    for action in ("change", "delete", "history"):
        response = client_of(staff_instructor).get(
            f"/admin/courseapp/enrollment/{enrolment.pk}/{action}/"
        )
        assert response.status_code == 404


def test_enrolment_form_offers_only_taught_courses_and_their_people(
    staff_instructor, student, outsider, other_course, client_of
):
    client = client_of(staff_instructor)
    form = client.get("/admin/courseapp/enrollment/add/").context["adminform"].form

    assert list(form.fields["course"].queryset.values_list("code", flat=True)) == ["seminar"]
    assert set(form.fields["user"].queryset.values_list("username", flat=True)) == {
        "prof",
        "alice",
    }

    # A forged post naming another course is refused.
    response = client.post(
        "/admin/courseapp/enrollment/add/",
        {"course": other_course.pk, "user": student.pk, "role": "ta", "student_id": ""},
    )
    assert response.status_code == 200
    assert "course" in response.context["adminform"].form.errors
    assert not Enrollment.objects.filter(course=other_course, user=student).exists()


def test_enrolling_an_instructor_in_the_admin_grants_admin_access(
    superuser, course, outsider, client_of
):
    response = client_of(superuser).post(
        "/admin/courseapp/enrollment/add/",
        {"course": course.pk, "user": outsider.pk, "role": "instructor", "student_id": ""},
    )

    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.is_staff
    assert outsider.has_perm("schedule.view_week")
    assert not outsider.has_perm("schedule.change_week")


def test_user_autocomplete_offers_only_people_of_taught_courses(
    staff_instructor, student, outsider, client_of
):
    response = client_of(staff_instructor).get(
        "/admin/autocomplete/",
        {"app_label": "courseapp", "model_name": "enrollment", "field_name": "user", "term": ""},
    )

    assert response.status_code == 200
    assert {item["text"] for item in response.json()["results"]} == {"prof", "alice"}


# --- users -------------------------------------------------------------------------------


def test_instructor_lists_only_the_people_of_their_courses(
    staff_instructor, student, ta, outsider, superuser, client_of
):
    response = client_of(staff_instructor).get("/admin/auth/user/")

    assert {u.username for u in response.context["cl"].result_list} == {"prof", "alice", "ta1"}


def test_only_a_superuser_sets_another_persons_password(
    staff_instructor, course, superuser, client_of
):
    carol = User.objects.create(username="carol")
    carol.set_unusable_password()
    carol.save()
    enrol(carol, course, Role.STUDENT)
    url = f"/admin/auth/user/{carol.pk}/password/"
    new = {"password1": "a-long-new-secret-42", "password2": "a-long-new-secret-42"}

    assert client_of(staff_instructor).get(url).status_code == 403
    assert client_of(staff_instructor).post(url, new).status_code == 403
    carol.refresh_from_db()
    assert not carol.has_usable_password()
    # The user page offers no password link to an instructor either.
    form = client_of(staff_instructor).get(f"/admin/auth/user/{carol.pk}/change/")
    assert "password" not in form.context["adminform"].form.fields

    assert client_of(superuser).post(url, new).status_code == 302
    carol.refresh_from_db()
    assert carol.check_password("a-long-new-secret-42")


def test_instructor_edits_names_but_never_privileges(staff_instructor, student, client_of):
    client = client_of(staff_instructor)
    url = f"/admin/auth/user/{student.pk}/change/"

    form = client.get(url).context["adminform"].form
    assert set(form.fields) == {"first_name", "last_name", "email"}

    response = client.post(
        url,
        {
            "first_name": "Alicia",
            "last_name": "Liddell",
            "email": "alice@example.org",
            "is_superuser": "on",
            "is_staff": "on",
        },
    )
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.first_name == "Alicia"
    assert not student.is_superuser
    assert not student.is_staff


def test_instructor_cannot_touch_a_staff_users_password(
    staff_instructor, course, superuser, client_of
):
    colleague = make_user("coprof")
    enrol(colleague, course, Role.INSTRUCTOR)
    admin_access_sync(users=[colleague])
    enrol(superuser, course, Role.STUDENT)
    client = client_of(staff_instructor)

    for user in (colleague, superuser):
        response = client.post(
            f"/admin/auth/user/{user.pk}/password/",
            {"password1": "a-long-new-secret-42", "password2": "a-long-new-secret-42"},
        )
        assert response.status_code == 403
        user.refresh_from_db()
        assert not user.check_password("a-long-new-secret-42")


def test_instructor_gets_404_on_a_user_outside_their_courses(staff_instructor, outsider, client_of):
    client = client_of(staff_instructor)

    assert client.get(f"/admin/auth/user/{outsider.pk}/change/").status_code == 404
    # The password form is refused before anyone is looked up: no hint either way.
    assert client.get(f"/admin/auth/user/{outsider.pk}/password/").status_code == 403
    assert client.get("/admin/auth/user/999999/password/").status_code == 403


def test_an_instructor_may_only_view_a_person_who_belongs_to_other_courses_too(
    staff_instructor, course, outsider, client_of
):
    enrol(outsider, course, Role.STUDENT)
    client = client_of(staff_instructor)
    url = f"/admin/auth/user/{outsider.pk}/change/"

    page = client.get(url)
    response = client.post(url, {"first_name": "", "last_name": "", "email": "evil@x.example"})

    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert response.status_code == 403
    outsider.refresh_from_db()
    assert outsider.email == "mallory@example.org"


def test_instructor_cannot_add_or_delete_users(staff_instructor, student, client_of):
    client = client_of(staff_instructor)

    assert client.get("/admin/auth/user/add/").status_code == 403
    assert client.get(f"/admin/auth/user/{student.pk}/delete/").status_code == 403


# --- roster upload -----------------------------------------------------------------------


def roster_url(course) -> str:
    return reverse("admin:courseapp_course_roster_import", args=[course.pk])


def test_roster_upload_previews_then_applies(staff_instructor, course, student, client_of):
    client = client_of(staff_instructor)
    assert client.get(roster_url(course)).status_code == 200

    preview = client.post(
        roster_url(course),
        {"file": csv_upload("carol,carol@example.org,Carol,Chen,student,S100", "alice,,,,ta,")},
    )

    assert preview.status_code == 200
    content = preview.content.decode()
    assert "Users to create (1)" in content
    assert "carol (Carol Chen)" in content
    assert "alice (role: student -&gt; ta)" in content
    assert 'name="apply"' in content
    # Nothing happens before "Apply".
    assert not User.objects.filter(username="carol").exists()
    assert Enrollment.objects.get(user=student).role == Role.STUDENT

    initial = preview.context["apply_form"].initial
    applied = client.post(roster_url(course), {"apply": "Apply", **initial})

    assert applied.status_code == 302
    assert applied["Location"] == f"/admin/courseapp/course/{course.pk}/change/"
    assert texts(applied) == [
        "Roster imported. seminar: 1 new user, 0 updated users, 1 new enrolment, "
        "1 changed enrolment, 0 admin access grants, 0 unchanged, 1 not in file (kept enrolled)"
    ]
    assert Enrollment.objects.get(user__username="carol").student_id == "S100"
    assert Enrollment.objects.get(user=student).role == Role.TA


def test_roster_preview_lists_every_problem_and_offers_no_apply(
    staff_instructor, course, student, client_of
):
    response = client_of(staff_instructor).post(
        roster_url(course),
        {"file": csv_upload("carol,,,,prof,", "dave,x,,,student,", "erin,,,,student,S001")},
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "row 2, column role: 'prof' is not one of student, ta, instructor",
        "row 3, column email: 'x' is not a valid email address",
        "row 4, column student_id: 'S001' is also the student id of alice (already enrolled)",
    ]
    assert 'name="apply"' not in response.content.decode()
    assert not User.objects.filter(username__in=["carol", "dave", "erin"]).exists()


def test_roster_upload_refuses_a_file_that_is_not_utf8(staff_instructor, course, client_of):
    data = f"{HEADER}\nrene,,Ren\xe9,,student,\n".encode("latin-1")

    response = client_of(staff_instructor).post(roster_url(course), {"file": csv_upload(data=data)})

    assert response.status_code == 200
    assert response.context["upload_form"].errors["file"] == [
        "row 2, column first_name: not UTF-8 text (byte 0xE9); save the file as CSV with UTF-8 "
        "encoding"
    ]


def test_roster_apply_refuses_when_the_roster_changed_since_the_preview(
    staff_instructor, course, client_of
):
    client = client_of(staff_instructor)
    preview = client.post(roster_url(course), {"file": csv_upload("carol,,,,student,S100")})
    enrol(make_user("carol"), course, Role.TA)  # meanwhile, by hand

    response = client.post(
        roster_url(course), {"apply": "Apply", **preview.context["apply_form"].initial}
    )

    assert response.status_code == 200
    assert any("changed since the preview" in text for text in texts(response))
    assert Enrollment.objects.get(user__username="carol").role == Role.TA
    # The new preview shows what the file would do now.
    assert response.context["report"].changed_enrolments == [
        "carol (role: ta -> student; student_id: '' -> 'S100')"
    ]


def test_roster_apply_reimports_the_text_and_refuses_a_bad_one(staff_instructor, course, client_of):
    response = client_of(staff_instructor).post(
        roster_url(course),
        {"apply": "Apply", "csv_text": f"{HEADER}\ncarol,,,,prof,\n", "digest": "0" * 64},
    )

    assert response.status_code == 200
    assert response.context["problems"] == [
        "row 2, column role: 'prof' is not one of student, ta, instructor"
    ]
    assert not User.objects.filter(username="carol").exists()


def test_superuser_may_import_any_roster(superuser, other_course, client_of):
    response = client_of(superuser).post(
        roster_url(other_course), {"file": csv_upload("carol,,,,student,")}
    )

    assert response.status_code == 200
    assert response.context["report"].new_enrolments == ["carol as student"]


def test_instructor_of_another_course_gets_404_on_the_roster_import(
    other_instructor, course, client_of
):
    client = client_of(other_instructor)

    assert client.get(roster_url(course)).status_code == 404
    assert (
        client.post(roster_url(course), {"file": csv_upload("carol,,,,student,")}).status_code
        == 404
    )
    assert not User.objects.filter(username="carol").exists()


def test_a_ta_with_admin_access_may_not_import_the_roster(ta, course, client_of):
    # Not the default (TAs are not staff), but a TA made staff by hand still may not.
    ta.is_staff = True
    ta.save()
    ta.groups.add(instructor_group())
    client = client_of(ta)

    assert client.get(roster_url(course)).status_code == 403
    response = client.post(
        roster_url(course),
        {"apply": "Apply", "csv_text": f"{HEADER}\ncarol,,,,student,\n", "digest": "0" * 64},
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="carol").exists()
    # The course itself is outside what a TA manages in the admin.
    assert client.get(f"/admin/courseapp/course/{course.pk}/change/").status_code == 404


@pytest.mark.parametrize("who", CLOSED_TO)
def test_roster_import_is_closed_to_non_staff(
    who, course, client_as, student, other_student, ta, outsider
):
    response = client_as(who).post(roster_url(course), {"file": csv_upload("carol,,,,student,")})

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not User.objects.filter(username="carol").exists()


# --- query counts ------------------------------------------------------------------------


@pytest.fixture
def demo_class(demo_course):
    """The demo course with an instructor, a TA and 24 students."""
    teacher = make_user("instructor")
    enrol(teacher, demo_course, Role.INSTRUCTOR)
    admin_access_sync(users=[teacher])
    enrol(make_user("demo-ta"), demo_course, Role.TA)
    for n in range(1, 25):
        enrol(make_user(f"student{n:02}"), demo_course, Role.STUDENT, student_id=f"2025{n:04}")
    return teacher


def test_course_page_of_the_demo_class_runs_a_bounded_number_of_queries(
    demo_class, demo_course, client_of, django_assert_max_num_queries
):
    client = client_of(demo_class)

    with django_assert_max_num_queries(14):
        response = client.get(f"/admin/courseapp/course/{demo_course.pk}/change/")

    assert response.status_code == 200
    assert "24 students, 1 TA, 1 instructor" in response.content.decode()


def test_course_times_read_and_save_in_the_course_time_zone(
    demo_class, demo_course, superuser, client_of
):
    assert (
        'value="09:00:00"'
        not in client_of(demo_class)
        .get(f"/admin/courseapp/course/{demo_course.pk}/change/")
        .content.decode()
    )  # read-only for the instructor: shown as text, not a field
    client = client_of(superuser)
    url = f"/admin/courseapp/course/{demo_course.pk}/change/"

    assert 'value="09:00:00"' in client.get(url).content.decode()  # 01:00 UTC

    data = _course_form_data(client, url)
    data["signup_opens_at_1"] = "10:30:00"
    assert client.post(url, data).status_code == 302
    demo_course.refresh_from_db()
    assert demo_course.signup_opens_at.astimezone(demo_course.tzinfo).hour == 10


def test_course_links_filter_each_list_to_that_course(superuser, course, other_course, client_of):
    response = client_of(superuser).get("/admin/schedule/week/", {"course__id__exact": course.pk})

    assert {week.course_id for week in response.context["cl"].result_list} == {course.pk}


def test_an_instructor_sends_password_reset_mails_to_people_of_their_courses(
    staff_instructor,
    course,
    student,
    outsider,
    client_of,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    client = client_of(staff_instructor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/auth/user/",
            {"action": "send_password_reset", "_selected_action": [student.pk, outsider.pk]},
            follow=True,
        )

    # The outsider is not among the instructor's people: the changelist drops them.
    assert [m.to for m in mailoutbox] == [["alice@example.org"]]
    assert any("sent to 1 people" in str(m) for m in response.context["messages"])
    entry = AuditEntry.objects.exclude(action="course_file.load").get(
        action="account.password_reset_sent"
    )
    assert (entry.course, entry.actor, entry.via) == (course, staff_instructor, "admin")


def test_a_reset_mail_to_someone_without_an_address_is_a_warning(
    staff_instructor, course, student, client_of, mailoutbox
):
    User.objects.filter(pk=student.pk).update(email="")

    response = client_of(staff_instructor).post(
        "/admin/auth/user/",
        {"action": "send_password_reset", "_selected_action": [student.pk]},
        follow=True,
    )

    assert mailoutbox == []
    assert any("has no e-mail address" in str(m) for m in response.context["messages"])


def test_the_roster_upload_can_invite_the_new_accounts(
    staff_instructor, course, client_of, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_of(staff_instructor)
    preview = client.post(
        roster_url(course),
        {"file": csv_upload("carol,carol@example.org,,,student,"), "invite": "on"},
    )
    assert preview.context["apply_form"].initial["invite"] is True

    with django_capture_on_commit_callbacks(execute=True):
        client.post(roster_url(course), {"apply": "Apply", **preview.context["apply_form"].initial})

    assert [m.to for m in mailoutbox] == [["carol@example.org"]]


def test_the_admin_home_lists_the_instructors_courses_first(
    staff_instructor, course, other_course, client_of
):
    response = client_of(staff_instructor).get("/admin/")

    assert [c.code for c in response.context["my_courses"]] == ["seminar"]
    html = response.content.decode()
    assert html.index("Your courses") < html.index("app-courseapp")
    assert f"/admin/courseapp/course/{course.pk}/course-file/" in html
