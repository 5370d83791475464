"""A double submit (two tabs, a double click) with real threads: one feedback row."""

import threading

import pytest
from django.db import connection

from courseapp.models import Enrollment
from presentations.feedback_services import FeedbackError, feedback_submit
from presentations.models import Feedback, FeedbackRating
from tests.presentations.feedback.conftest import DURING_S1, enrolment

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_concurrent_double_submit_makes_one_row(course, other_student, talks):
    bob = enrolment(other_student, course)
    talk = talks["alice"]
    barrier = threading.Barrier(8)
    results, errors = [], []
    lock = threading.Lock()

    def worker(value):
        try:
            reviewer = Enrollment.objects.select_related("course", "user").get(pk=bob.pk)
            barrier.wait()
            outcome = feedback_submit(
                reviewer=reviewer,
                presentation=talk,
                scores={"organisation": value, "answering": value},
                comment=f"Attempt number {value}",
                actor=None,
                via="api",
                now=DURING_S1,
            )
            with lock:
                results.append(outcome)
        except FeedbackError as refusal:  # a clean refusal is allowed, never a second row
            with lock:
                results.append(refusal.code)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(1 + n % 5,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors, errors
    assert Feedback.objects.filter(reviewer=bob, presentation=talk).count() == 1
    created = [r for r in results if isinstance(r, tuple) and r[1]]
    assert len(created) == 1
    feedback = Feedback.objects.get()
    assert FeedbackRating.objects.filter(feedback=feedback).count() == 2
