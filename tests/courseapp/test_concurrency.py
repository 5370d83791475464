"""Two loads or two roster imports of one course at once: the second waits for the first.

Real threads with their own database connections against PostgreSQL, whose row locks
(`SELECT ... FOR UPDATE` on the course) are what serialise them. SQLite's test database
lives in one connection's memory, which threads cannot share, so these run on PostgreSQL.
"""

import threading

import pytest
from django.db import connection

from conftest import load_course_text, small_course_text
from courseapp.coursefile import parse_course_file
from courseapp.models import Course, Enrollment
from courseapp.roster import roster_import
from courseapp.services import course_load
from presentations.models import Paper

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"
    ),
]

HEADER = "username,email,first_name,last_name,role,student_id"


def run_together(*jobs):
    """Run each job in its own thread, all released at once; return results or raise."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def worker(index, job):
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    return results


def test_two_loads_of_one_edited_course_file_apply_the_edit_once():
    load_course_text(small_course_text())
    edited = parse_course_file(
        small_course_text().replace('title: "ZeRO"', 'title: "ZeRO: Memory Optimizations"')
    )

    reports = run_together(lambda: course_load(spec=edited), lambda: course_load(spec=edited))

    # Without the lock both would read the old title and both would "update" it.
    changed = sorted(len(report.updated) for report in reports)
    assert changed == [0, 1]
    assert Paper.objects.get(key="zero").title == "ZeRO: Memory Optimizations"


def test_two_imports_of_one_roster_create_each_user_once():
    course = load_course_text(small_course_text())
    csv_text = "\n".join(
        [HEADER] + [f"new{n},new{n}@example.org,New,Student{n},student,N{n:03d}" for n in range(20)]
    )

    reports = run_together(
        lambda: roster_import(course=course, csv_text=csv_text),
        lambda: roster_import(course=course, csv_text=csv_text),
    )

    # The second import waits, then finds everyone already there: no duplicate-key error.
    created = sorted(len(report.created_users) for report in reports)
    assert created == [0, 20]
    assert Enrollment.objects.filter(course=Course.objects.get(code="seminar")).count() == 20
