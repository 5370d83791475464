"""The fixed cast every permission test uses, and small builders for course data.

`course` is a small course with a schedule; `instructor`, `ta`, `student` and
`other_student` belong to it; `outsider` is a student of `other_course` only. Clients:
`client` (anonymous, from pytest-django) and `client_of(user)` for a signed-in one.
"""

import datetime as dt
import functools
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from courseapp.coursefile import parse_course_file
from courseapp.enrollments import admin_access_sync
from courseapp.models import Course, Enrollment, Role
from courseapp.services import course_load

# The browser tests' shared Chromium and helpers.
pytest_plugins = ["tests.browser"]

DEMO_COURSE_FILE = Path(__file__).parent / "courseapp" / "courses" / "mlsys-2025.yaml"

SMALL_COURSE_FILE = """
course:
  code: {code}
  title: {title}
  term: Autumn 2025
  lecturer: Ada Lovelace
  time_zone: Asia/Hong_Kong
  public: {public}
  total_points: 100
  meeting_time: 10:30-11:50
  room: Room 101
categories:
  - {{key: training, name: Training}}
  - {{key: inference, name: Inference}}
weeks:
  - number: 1
    starts: 2025-09-01
    meetings:
      - {{date: 2025-09-02, topic: Introduction, slides: "https://example.org/intro.pdf"}}
      - {{date: 2025-09-04, kind: holiday, topic: No class}}
  - number: 2
    starts: 2025-09-08
    meetings:
      - {{date: 2025-09-09, kind: presentation, topic: Presentation Session-1}}
      - {{date: 2025-09-11, kind: review, topic: Final Review}}
sessions:
  - {{number: 1, date: 2025-09-09, category: training, slots: 2, slot_minutes: 30}}
papers:
  - {{key: zero, title: "ZeRO", category: training, year: 2020}}
  - {{key: vllm, title: "vLLM", category: inference, year: 2023}}
feedback_questions:
  - {{key: organisation, label: Organisation, scale: [1, 5]}}
grading:
  presentation:
    name: Presentation
    points: 30
    children:
      - {{key: organisation, name: Organisation, points: 25, source: blend, peer_share: 0.7,
         questions: [organisation]}}
      - {{key: feedback-given, name: Feedback given, points: 5, source: feedback_given}}
  report:
    name: Report
    points: 70
    children:
      - {{key: review, name: Literature review, points: 50, source: instructor}}
      - {{key: plan, name: Research plan, points: 20, source: instructor}}
letters:
  - {{letter: A, min: 90}}
  - {{letter: F, min: 0}}
"""


def small_course_text(*, code: str = "seminar", title: str = "Systems Seminar", public=False):
    return SMALL_COURSE_FILE.format(code=code, title=title, public=str(public).lower())


@functools.lru_cache(maxsize=64)
def _parsed(text: str):
    # A parsed course file is immutable (frozen models): each text is parsed once a session.
    return parse_course_file(text)


def load_course_text(text: str) -> Course:
    """Load a course file's text, as `loadcourse` would (keeping it as a file version).

    A course that is not in the database yet is restored from a snapshot of the rows the
    real load made the first time this session (tests/snapshots.py): loading the same file
    again and again was a third of the suite's time. A course that exists is really
    loaded, as an edit of it is what the test is about.
    """
    from tests.snapshots import course_snapshot

    spec = _parsed(text)
    if Course.objects.filter(code=spec.course.code).exists():
        course_load(spec=spec, text=text)
        return Course.objects.get(code=spec.course.code)
    return course_snapshot(text, load=lambda: course_load(spec=spec, text=text)).restore()


def make_user(username: str, **extra):
    user = get_user_model().objects.create_user(
        username=username, password="pw", email=f"{username}@example.org", **extra
    )
    return user


def signs_in(username: str, password: str) -> bool:
    """Whether these credentials sign in through the login page.

    Use it instead of the test client's `login()`: that calls authenticate() without a
    request, which the login lockout (django-axes) refuses.
    """
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response.status_code == 302 and "_auth_user_id" in client.session


def enrol(user, course: Course, role: Role, student_id: str = "") -> Enrollment:
    return Enrollment.objects.create(user=user, course=course, role=role, student_id=student_id)


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path_factory):
    """Submitted files go to a temporary folder, never into the checkout."""
    settings.STORAGES = {
        **settings.STORAGES,
        "submissions": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("private")), "base_url": None},
        },
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: a rolled-back test database hands the next test
    the same ids (and schedule versions) again, which a cached schedule would not notice."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def course(db) -> Course:
    return load_course_text(small_course_text())


@pytest.fixture
def other_course(db) -> Course:
    return load_course_text(small_course_text(code="other-seminar", title="Other Seminar"))


@pytest.fixture
def instructor(course):
    user = make_user("prof")
    enrol(user, course, Role.INSTRUCTOR)
    return user


@pytest.fixture
def ta(course):
    user = make_user("ta1")
    enrol(user, course, Role.TA)
    return user


@pytest.fixture
def student(course):
    user = make_user("alice", first_name="Alice", last_name="Liddell")
    enrol(user, course, Role.STUDENT, student_id="S001")
    return user


@pytest.fixture
def other_student(course):
    user = make_user("bob", first_name="Bob", last_name="Builder")
    enrol(user, course, Role.STUDENT, student_id="S002")
    return user


@pytest.fixture
def outsider(other_course):
    """A student of another course: a stranger to `course`."""
    user = make_user("mallory")
    enrol(user, other_course, Role.STUDENT, student_id="S999")
    return user


@pytest.fixture
def staff_instructor(instructor):
    """The instructor with the admin access an instructor enrolment grants."""
    admin_access_sync(users=[instructor])
    return instructor


@pytest.fixture
def demo_instructor(demo_course):
    """An instructor of the demo course, with admin access."""
    user = make_user("instructor")
    enrol(user, demo_course, Role.INSTRUCTOR)
    admin_access_sync(users=[user])
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw")


@pytest.fixture
def client_as(request, client, client_of):
    """`client_as("ta")`: a client signed in as that cast member ("anonymous": nobody)."""

    def make(name: str) -> Client:
        if name == "anonymous":
            return client
        return client_of(request.getfixturevalue(name))

    return make


@pytest.fixture
def client_of(db):
    """`client_of(user)`: a test client signed in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(params=["session", "token"])
def api_client_of(request, client_of):
    """`api_client_of(user)`: signed in by session cookie, then again by API token."""

    def make(user) -> Client:
        if request.param == "session":
            return client_of(user)
        token, _ = Token.objects.get_or_create(user=user)
        return Client(headers={"Authorization": f"Token {token.key}"})

    return make


@pytest.fixture
def demo_course(db) -> Course:
    """The demo course file as it is (the archive course)."""
    return load_course_text(DEMO_COURSE_FILE.read_text())


@pytest.fixture
def today_in_week_2(time_machine):
    """Freeze time on Wednesday of the small course's week 2 (Hong Kong noon)."""
    time_machine.move_to(dt.datetime(2025, 9, 10, 4, 0, tzinfo=dt.UTC), tick=False)
