"""The course file in the admin: versions, download, upload with a preview, apply."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import small_course_text
from courseapp.models import AuditEntry, CourseFileVersion
from presentations.models import Paper


def url(course, tail="course-file/") -> str:
    return f"/admin/courseapp/course/{course.pk}/{tail}"


def upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("course.yaml", text.encode(), content_type="application/yaml")


RENAMED = small_course_text().replace('title: "ZeRO"', 'title: "ZeRO: Memory Optimizations"')


def test_the_page_shows_the_current_version_and_offers_its_download(
    staff_instructor, course, client_of
):
    client = client_of(staff_instructor)

    page = client.get(url(course))
    download = client.get(url(course, "course-file/1/download/"))

    assert page.status_code == 200
    assert "Course file version 1, loaded by a command at" in page.content.decode()
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="seminar-v1.yaml"'
    assert download.content.decode() == small_course_text()
    assert client.get(url(course, "course-file/9/download/")).status_code == 404


def test_upload_previews_then_apply_loads_and_keeps_a_version(staff_instructor, course, client_of):
    client = client_of(staff_instructor)

    preview = client.post(url(course), {"file": upload(RENAMED)})
    assert preview.status_code == 200
    assert preview.context["preview"].lines == [
        "would update paper zero: title 'ZeRO' -> 'ZeRO: Memory Optimizations'",
        "would record the file as course file version 2",
    ]
    assert "would update paper zero" in preview.content.decode()
    assert Paper.objects.get(course=course, key="zero").title == "ZeRO"

    applied = client.post(url(course), {"apply": "Apply", **preview.context["apply_form"].initial})

    assert applied.status_code == 302
    assert Paper.objects.get(course=course, key="zero").title == "ZeRO: Memory Optimizations"
    version = CourseFileVersion.objects.get(course=course, number=2)
    assert (version.loaded_by, version.via, version.text) == (staff_instructor, "admin", RENAMED)
    assert AuditEntry.objects.filter(action="course_file.load", actor=staff_instructor).exists()
    page = client.get(f"/admin/courseapp/course/{course.pk}/change/").content.decode()
    assert "Version 2, loaded by prof at" in page


def test_a_bad_file_lists_every_located_problem_and_offers_no_apply(
    staff_instructor, course, client_of
):
    bad = small_course_text().replace(
        "points: 20, source: instructor", "points: 25, source: instructor"
    )

    preview = client_of(staff_instructor).post(url(course), {"file": upload(bad)})

    content = preview.content.decode()
    assert "report.points" in content
    assert "add up to 75" in content
    assert preview.context["apply_form"] is None


def test_a_file_of_another_course_is_refused(staff_instructor, course, client_of):
    other = small_course_text(code="other-seminar")

    preview = client_of(staff_instructor).post(url(course), {"file": upload(other)})

    assert (
        "describes the course 'other-seminar', not 'seminar'"
        in (preview.context["preview"].problems[0])
    )
    assert preview.context["apply_form"] is None


def test_an_altered_preview_is_refused(staff_instructor, course, client_of):
    client = client_of(staff_instructor)
    preview = client.post(url(course), {"file": upload(RENAMED)})
    data = {**preview.context["apply_form"].initial, "text": small_course_text() + "\n# x\n"}

    response = client.post(url(course), {"apply": "Apply", **data}, follow=True)

    assert any("altered" in str(m) for m in response.context["messages"])
    assert not CourseFileVersion.objects.filter(course=course, number=2).exists()


@pytest.mark.parametrize(("who", "status"), [("ta", 403), ("outsider", 404)])
def test_only_the_courses_instructors_reach_it(request, course, client_of, who, status):
    user = request.getfixturevalue(who)
    user.is_staff = True
    user.save()

    assert client_of(user).get(url(course)).status_code == status
    assert client_of(user).get(url(course, "course-file/1/download/")).status_code == status


@pytest.mark.parametrize("who", ["anonymous", "student"])
def test_people_without_admin_access_are_sent_to_log_in(client_as, course, student, who):
    response = client_as(who).get(url(course))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_apply_accepts_the_text_back_with_a_browser_s_line_ends(
    staff_instructor, course, client_of
):
    # Browsers send every line break of a form value back as CR LF.
    client = client_of(staff_instructor)
    preview = client.post(url(course), {"file": upload(RENAMED)})
    carried = preview.context["apply_form"].initial

    applied = client.post(
        url(course),
        {
            "apply": "Apply",
            "text": carried["text"].replace("\n", "\r\n"),
            "sha256": carried["sha256"],
        },
    )

    assert applied.status_code == 302
    assert Paper.objects.get(course=course, key="zero").title == "ZeRO: Memory Optimizations"
    assert CourseFileVersion.objects.get(course=course, number=2).text == RENAMED
