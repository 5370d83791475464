"""The course file: one YAML document describing a whole course.

`parse_course_file(text)` turns the text into a validated `CourseSpec` or raises
`CourseFileError` listing every problem with its location in the file, e.g.
``grading.report.children[1].points (line 212): ...``. The format is documented in
docs/course-file.md.

Checking runs in two passes. The first checks the shape of every entry (types, required and
unknown keys). The second checks the rules that relate entries to each other (points adding
up, sessions naming known categories, meetings inside their week); a rule runs whenever the
sections it reads passed the first pass, so one broken section does not hide the problems
of the others.
"""

import datetime as dt
import difflib
import enum
import functools
import re
import types
import typing
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from courseapp.models import Course
from grading.models import Criterion, LetterGrade
from grading.rubric import RubricNode, rubric_problems
from presentations.models import Category, FeedbackQuestion, Paper
from schedule.models import MATERIAL_TITLE_MAX_LENGTH, Meeting, Week
from schedule.times import local_time_problem

_KEY = re.compile(r"[a-z0-9][a-z0-9_-]*")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_TIME_RANGE = re.compile(r"\s*([^-\s]+)\s*-\s*([^-\s]+)\s*")
_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})[T ](\d{1,2}):(\d{2}\b.*)")
_URL = URLValidator(schemes=["http", "https"])

# Caps that keep one file from filling the database or the memory of the process reading it.
# A real course file is tens of kilobytes; the demo course is 20 KB.
MAX_FILE_BYTES = 2_000_000
MAX_LONG_TEXT = 20_000  # descriptions and help texts, in characters
# Dates a course may use. Far enough either way for any real term, and far from the ends of
# Python's calendar, where a week's end or a copy shifted by some weeks would overflow.
FIRST_DATE = dt.date(1900, 1, 1)
LAST_DATE = dt.date(2200, 12, 31)
MAX_WEEKS = 60
MAX_PATTERN_DAYS = 2 * 366  # a weekly pattern spans at most two years
MAX_MEETINGS = 1000


def _quote(value: Any) -> str:
    """A value as a message quotes it: in full when short, else its start and its length."""
    if isinstance(value, str) and len(value) > 60:
        return f"{value[:40]!r}... ({len(value):,} characters)"
    return repr(value)


def _is_key(value: str) -> str:
    if not _KEY.fullmatch(value):
        raise ValueError(
            f"{_quote(value)} is not a valid key: use lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    return value


def _is_url(value: str) -> str:
    # The same check the database field runs, so that a file that passes here also saves.
    try:
        _URL(value)
    except DjangoValidationError:
        raise ValueError(
            f"{_quote(value)} is not a web address (http://... or https://...)"
        ) from None
    return value


def _text(max_length: int = MAX_LONG_TEXT, *, required: bool = False) -> Any:
    """Text, stripped; the limits are those of the database column it is stored in."""
    return Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1 if required else None, max_length=max_length
        ),
    ]


def _in_range(value: dt.date) -> dt.date:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise ValueError(f"{day} is outside the years {FIRST_DATE.year} to {LAST_DATE.year}")
    return value


def _time_of(text: str) -> dt.time:
    """`9:00` or `09:00`, the one way the format writes a time of day; else ValueError(why)."""
    match = _TIME.fullmatch(text.strip())
    if not match:
        raise ValueError("")
    hour, minute = (int(part) for part in match.groups())
    if hour > 23:
        raise ValueError("the hour must be 0 to 23")
    if minute > 59:
        raise ValueError("the minute must be 0 to 59")
    return dt.time(hour, minute)


def _read_time(value: Any) -> Any:
    if not isinstance(value, str):
        return value  # a time already, or something the type check reports
    try:
        return _time_of(value)
    except ValueError as exc:
        why = f" ({exc})" if str(exc) else ""
        raise ValueError(f"{_quote(value)} is not a time like 10:30{why}") from None


def _read_date_time(value: Any) -> Any:
    """`2025-09-15T9:00` as `2025-09-15T09:00`: times read as everywhere else in the file."""
    if isinstance(value, str):
        match = _DATE_TIME.fullmatch(value.strip())
        if match:
            day, hour, rest = match.groups()
            return f"{day}T{int(hour):02d}:{rest}"
    return value


# Limits of the columns the values are stored in: one place to change them.
_KEY_FIELD = Paper._meta.get_field("key")
_URL_FIELD = Paper._meta.get_field("url")
_POINTS_FIELD = Criterion._meta.get_field("points")

Key = Annotated[str, StringConstraints(max_length=_KEY_FIELD.max_length), AfterValidator(_is_key)]
Date = Annotated[dt.date, AfterValidator(_in_range)]
Time = Annotated[dt.time, BeforeValidator(_read_time)]
DateTime = Annotated[dt.datetime, BeforeValidator(_read_date_time), AfterValidator(_in_range)]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=_URL_FIELD.max_length),
    AfterValidator(_is_url),
]
Points = Annotated[
    Decimal,
    Field(ge=0, max_digits=_POINTS_FIELD.max_digits, decimal_places=_POINTS_FIELD.decimal_places),
]
HOURS_A_YEAR = 366 * 24


class CourseFileError(Exception):
    """The file is not a valid course file. `problems` lists each one, located."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRange(_Strict):
    """A time of day from `start` to `end`, written `10:30-11:50` in the file."""

    start: Time
    end: Time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        match = _TIME_RANGE.fullmatch(value)
        if not match:
            raise ValueError(f"{_quote(value)} is not a time range like 10:30-11:50")
        try:
            return {"start": _time_of(match[1]), "end": _time_of(match[2])}
        except ValueError as exc:
            why = f" ({exc})" if str(exc) else ""
            raise ValueError(f"{_quote(value)} is not a time range like 10:30-11:50{why}") from None

    @model_validator(mode="after")
    def _ordered(self) -> "TimeRange":
        if self.end <= self.start:
            raise ValueError("the range must end after it starts")
        return self

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@functools.cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())  # reads the disk: once is enough


def _known_zone(value: str) -> str:
    if value not in _time_zones():
        raise ValueError(
            f"unknown time zone {_quote(value)} (use an IANA name like Asia/Hong_Kong)"
        )
    return value


def _column(model: type[models.Model], name: str, *, required: bool = False) -> Any:
    """Text for the database column `model.name`: its length limit, or the long-text cap."""
    max_length = model._meta.get_field(name).max_length
    return _text(max_length or MAX_LONG_TEXT, required=required)


class CourseMeta(_Strict):
    code: Key
    title: _column(Course, "title", required=True)
    term: _column(Course, "term") = ""
    lecturer: _column(Course, "lecturer") = ""
    description: _column(Course, "description") = ""
    time_zone: Annotated[str, AfterValidator(_known_zone)] = "UTC"
    public: bool = False
    total_points: Annotated[Decimal, Field(ge=1, max_digits=7, decimal_places=2)] = Decimal(100)
    meeting_time: TimeRange | None = None
    room: _column(Meeting, "room") = ""


class Policies(_Strict):
    signup_opens: DateTime | None = None
    signup_freeze_hours: Annotated[int, Field(ge=0, le=HOURS_A_YEAR)] = 24
    feedback_window_hours: Annotated[int, Field(ge=0, le=HOURS_A_YEAR)] = 72
    feedback_free_misses: Annotated[int, Field(ge=0, le=1000)] = 0
    peer_aggregate: Course.PeerAggregate = Course.PeerAggregate.MEAN
    peer_trim_fraction: Annotated[Decimal, Field(ge=0, le=Decimal("0.49"), decimal_places=2)] = (
        Decimal("0.10")
    )
    min_reviews: Annotated[int, Field(ge=0, le=1000)] = 3
    feedback_scope: Course.FeedbackScope = Course.FeedbackScope.OTHER_SESSIONS_IN_CATEGORY
    feedback_reviews_per_student: Annotated[int, Field(ge=1, le=100)] = 3
    feedback_assignment_seed: Annotated[int, Field(ge=0, le=2_000_000_000)] = 0
    feedback_anonymity: Course.FeedbackAnonymity = Course.FeedbackAnonymity.ANONYMOUS
    feedback_release: Course.FeedbackRelease = Course.FeedbackRelease.WINDOW_CLOSE
    feedback_comment_required: bool = False
    feedback_comment_min_length: Annotated[int, Field(ge=0, le=5000)] = 0
    feedback_disagreement_spread: Annotated[
        Decimal, Field(ge=0, le=Decimal("999.99"), decimal_places=2)
    ] = Decimal("1.25")
    ta_can_rate: bool = False
    paper_assignment: Course.PaperAssignment = Course.PaperAssignment.CLAIM
    papers_close: DateTime | None = None
    preferences_max: Annotated[int, Field(ge=1, le=50)] = 5
    proposals_allowed: bool = False
    talks_per_student: Annotated[int, Field(ge=0, le=10)] = 1
    talks_by_section: dict[
        Annotated[str, StringConstraints(min_length=1, max_length=64)],
        Annotated[int, Field(ge=0, le=10)],
    ] = {}
    signup_category_must_match: bool = True
    multi_talk_rule: Course.MultiTalkRule = Course.MultiTalkRule.MEAN
    ta_can_grade: bool = False
    team_min_size: Annotated[int, Field(ge=1, le=50)] = 1
    team_max_size: Annotated[int, Field(ge=1, le=50)] = 4
    teams_close: DateTime | None = None


class CategorySpec(_Strict):
    key: Key
    name: _column(Category, "name", required=True)
    description: _column(Category, "description") = ""


class MaterialSpec(_Strict):
    """A reading, a recording, the slides: a title and, optionally, a web address."""

    title: _text(MATERIAL_TITLE_MAX_LENGTH, required=True)
    url: Url | None = None


Materials = Annotated[list[MaterialSpec], Field(max_length=50)]


class MeetingSpec(_Strict):
    date: Date
    key: Key | None = None
    kind: Meeting.Kind = Meeting.Kind.LECTURE
    topic: _column(Meeting, "topic", required=True)
    note: _column(Meeting, "note") = ""
    slides: Url | None = None
    materials: Materials = []
    time: TimeRange | None = None
    room: _column(Meeting, "room") | None = None


class WeekSpec(_Strict):
    number: Annotated[int, Field(ge=1, le=MAX_WEEKS)]
    starts: Date
    title: _column(Week, "title") = ""
    meetings: list[MeetingSpec] = []


class Weekday(enum.StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


class PatternDateSpec(_Strict):
    """One date of the weekly pattern, changed: another topic, kind, time or room, a note,
    materials, or the class moved to another date."""

    date: Date
    moved_to: Date | None = None
    kind: Meeting.Kind | None = None
    topic: _column(Meeting, "topic", required=True) | None = None
    note: _column(Meeting, "note") | None = None
    slides: Url | None = None
    materials: Materials | None = None
    time: TimeRange | None = None
    room: _column(Meeting, "room") | None = None


class WeeklySpec(_Strict):
    """Meetings on the same weekdays from `first` to `last`, with per-date changes."""

    days: Annotated[list[Weekday], Field(min_length=1, max_length=7)]
    first: Date
    last: Date
    kind: Meeting.Kind = Meeting.Kind.LECTURE
    topic: _column(Meeting, "topic", required=True) | None = None
    time: TimeRange | None = None
    room: _column(Meeting, "room") | None = None
    skip: list[Date] = []
    dates: list[PatternDateSpec] = []
    extra: list[MeetingSpec] = []


class SessionSpec(_Strict):
    number: Annotated[int, Field(ge=1, le=999)]
    date: Date
    category: Key | None = None
    slots: Annotated[int, Field(ge=1, le=50)]
    capacity: Annotated[int, Field(ge=1, le=20)] = 1
    slot_minutes: Annotated[int, Field(ge=1, le=600)] | None = None
    slot_times: list[Time] | None = None


class PaperSpec(_Strict):
    key: Key
    title: _column(Paper, "title", required=True)
    authors: _column(Paper, "authors") = ""
    venue: _column(Paper, "venue") = ""
    year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    url: Url | None = None
    category: Key


class QuestionSpec(_Strict):
    key: Key
    label: _column(FeedbackQuestion, "label", required=True)
    help: _column(FeedbackQuestion, "help_text") = ""
    scale: tuple[Annotated[int, Field(ge=0, le=100)], Annotated[int, Field(ge=0, le=100)]] = (1, 5)
    floor: Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)] | None = None
    comment_required: bool = False

    @field_validator("scale")
    @classmethod
    def _scale_goes_up(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if high <= low:
            raise ValueError(f"the scale [{low}, {high}] must go up: [min, max] with min < max")
        return value


class PartSpec(_Strict):
    """A rubric node without its key: top-level parts are keyed by their mapping key."""

    name: _column(Criterion, "name", required=True)
    description: _column(Criterion, "description") = ""
    points: Points
    source: Criterion.Source | None = None
    # Checked against [0, 1] with the other rubric rules, where the message can say why.
    peer_share: Annotated[Decimal, Field(decimal_places=3)] | None = None
    questions: list[Key] = []
    drop_lowest: Annotated[int, Field(ge=0, le=100)] = 0
    children: list["CriterionSpec"] = []


class CriterionSpec(PartSpec):
    key: Key


def _read_late(value: Any) -> Any:
    if value == "refuse":
        return {"accepted": False}
    if isinstance(value, str):
        raise ValueError(f"{_quote(value)}: write `refuse`, or a mapping of penalty, per, cap")
    return value


class LateSpec(_Strict):
    """Late work accepted with a penalty: `penalty` of the score per started `per`, for at
    most `cap` of them; later than that it is refused, or scored zero. `late: refuse`
    refuses any late work."""

    accepted: bool = True
    penalty: Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)] = Decimal("0.1")
    per: Literal["day", "hour"] = "day"
    cap: Annotated[int, Field(ge=0, le=1000)] = 2
    after_cap: Literal["refuse", "zero"] = "refuse"


class EverySpec(_Strict):
    """A deliverable repeated for every meeting of a kind, due on the meeting's day."""

    kind: Meeting.Kind = Meeting.Kind.LECTURE
    due_time: Time
    opens_days_before: Annotated[int, Field(ge=0, le=365)] | None = None


class DeliverableSpec(_Strict):
    key: Key
    title: _text(200, required=True)
    description: _text() = ""
    kind: Literal["file", "text"] = "file"
    file_types: Annotated[list[Literal["pdf", "zip"]], Field(min_length=1)] = ["pdf"]
    opens: DateTime | None = None
    due: DateTime | None = None
    every: EverySpec | None = None
    free_misses: Annotated[int, Field(ge=0, le=1000)] = 0
    feeds: list[Key] = []
    page_limit: Annotated[int, Field(ge=1, le=10000)] | None = None
    max_mb: Annotated[Decimal, Field(gt=0, le=100, decimal_places=1)] = Decimal(20)
    late: Annotated[LateSpec, BeforeValidator(_read_late)] = LateSpec()
    team: bool = False


class LetterSpec(_Strict):
    letter: _column(LetterGrade, "letter", required=True)
    min: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


@dataclass(frozen=True)
class PlannedWeek:
    """A week as the course will have it: listed in `weeks`, or made for the weekly pattern."""

    loc: tuple
    number: int
    starts: dt.date
    title: str = ""

    @property
    def ends(self) -> dt.date:
        return self.starts + dt.timedelta(days=6)


@dataclass(frozen=True)
class PlannedMeeting:
    """A meeting as the course will have it, defaults applied, and where the file says so.

    `loc` locates the meeting (its entry in `weeks`, its date in `weekly.dates`, or the
    pattern itself), `time_loc` the time it takes, and `time_note` tells where that time
    comes from when the meeting does not give its own.
    """

    loc: tuple
    week: int | None
    date: dt.date
    key: str
    kind: str
    topic: str
    note: str
    slides: str
    materials: tuple[MaterialSpec, ...]
    time: TimeRange | None
    room: str
    time_loc: tuple
    time_note: str = ""

    @property
    def identity(self) -> tuple[dt.date, str]:
        return (self.date, self.key)

    def label(self) -> str:
        return f"{self.date}/{self.key}" if self.key else str(self.date)


def _week_of(day: dt.date, weeks: list[PlannedWeek]) -> int | None:
    return next((week.number for week in weeks if week.starts <= day <= week.ends), None)


class CourseSpec(_Strict):
    course: CourseMeta
    policies: Policies = Policies()
    categories: list[CategorySpec] = []
    weeks: list[WeekSpec] = []
    weekly: WeeklySpec | None = None
    sessions: list[SessionSpec] = []
    papers: list[PaperSpec] = []
    feedback_questions: list[QuestionSpec] = []
    grading: dict[Key, PartSpec] = {}
    letters: list[LetterSpec] = []
    deliverables: list[DeliverableSpec] = []

    # The line of each entry, for locating problems the loader finds (not part of the course).
    _lines: dict[tuple, int] = PrivateAttr(default_factory=dict)

    def line_of(self, loc: tuple) -> int | None:
        """The line of the entry at `loc`, or of the nearest entry around it; None for a copy
        made in code (`shifted`)."""
        probe = loc
        while probe and probe not in self._lines:
            probe = probe[:-1]
        return self._lines.get(probe) if probe else None

    def where(self, loc: tuple) -> str:
        """`grading.report.points (line 97)`: a location, with its line when known."""
        line = self.line_of(loc)
        return format_location(loc) + (f" (line {line})" if line else "")

    def planned_weeks(self) -> list[PlannedWeek]:
        """The weeks: as listed; or, when the weekly pattern alone gives the meetings, one
        per calendar week (Monday to Sunday) from the pattern's first date to its last."""
        if self.weeks or self.weekly is None:
            return [
                PlannedWeek(("weeks", w), week.number, week.starts, week.title)
                for w, week in enumerate(self.weeks)
            ]
        pattern = self.weekly
        days = [pattern.first, pattern.last]
        days += [change.moved_to for change in pattern.dates if change.moved_to]
        days += [meeting.date for meeting in pattern.extra]
        first = min(days) - dt.timedelta(days=min(days).weekday())
        count = (max(days) - first).days // 7 + 1
        return [
            PlannedWeek(("weekly",), number, first + dt.timedelta(weeks=number - 1))
            for number in range(1, min(count, MAX_WEEKS) + 1)
        ]

    def planned_meetings(self) -> list[PlannedMeeting]:
        """Every meeting of the course, listed or from the weekly pattern, in date order."""
        meetings = [
            self._listed(("weeks", w, "meetings", m), meeting, week=week.number)
            for w, week in enumerate(self.weeks)
            for m, meeting in enumerate(week.meetings)
        ]
        if self.weekly is not None:
            weeks = self.planned_weeks()
            for loc, day, change in self._pattern_dates():
                meetings.append(self._from_pattern(loc, day, change, weeks))
            for e, meeting in enumerate(self.weekly.extra):
                week = _week_of(meeting.date, weeks)
                meetings.append(self._listed(("weekly", "extra", e), meeting, week=week))
        meetings.sort(key=lambda meeting: meeting.identity)
        return meetings

    def pattern_days(self) -> list[dt.date]:
        """The dates of the weekly pattern, before skips and moves."""
        pattern = self.weekly
        if pattern is None or pattern.last < pattern.first:
            return []
        weekdays = {list(Weekday).index(day) for day in pattern.days}
        # The span is checked as a rule; the cap keeps a broken file from costing much here.
        span = min((pattern.last - pattern.first).days, MAX_PATTERN_DAYS)
        days = (pattern.first + dt.timedelta(days=offset) for offset in range(span + 1))
        return [day for day in days if day.weekday() in weekdays]

    def _pattern_dates(self) -> list[tuple[tuple, dt.date, PatternDateSpec | None]]:
        pattern = self.weekly
        assert pattern is not None
        changes = {change.date: (d, change) for d, change in enumerate(pattern.dates)}
        skipped = set(pattern.skip)
        dates = []
        for day in self.pattern_days():
            if day in skipped:
                continue
            d, change = changes.get(day, (None, None))
            loc = ("weekly", "dates", d) if change is not None else ("weekly",)
            dates.append((loc, day, change))
        return dates

    def _listed(self, loc: tuple, meeting: MeetingSpec, *, week: int | None) -> PlannedMeeting:
        holiday = meeting.kind == Meeting.Kind.HOLIDAY
        time, time_loc, note = meeting.time, (*loc, "time"), ""
        if time is None and not holiday:
            time, time_loc = self.course.meeting_time, (*loc, "date")
            note = " (the time is course.meeting_time)"
        room = meeting.room if meeting.room is not None else ("" if holiday else self.course.room)
        return PlannedMeeting(
            loc=loc,
            week=week,
            date=meeting.date,
            key=meeting.key or "",
            kind=meeting.kind,
            topic=meeting.topic,
            note=meeting.note,
            slides=meeting.slides or "",
            materials=tuple(meeting.materials),
            time=time,
            room=room,
            time_loc=time_loc,
            time_note=note,
        )

    def _from_pattern(
        self, loc: tuple, day: dt.date, change: PatternDateSpec | None, weeks: list[PlannedWeek]
    ) -> PlannedMeeting:
        pattern = self.weekly
        assert pattern is not None

        def pick(name: str, default: Any) -> Any:
            value = getattr(change, name) if change is not None else None
            return default if value is None else value

        kind = pick("kind", pattern.kind)
        holiday = kind == Meeting.Kind.HOLIDAY
        date = pick("moved_to", day)
        where = (*loc, "date") if change is not None else loc
        if change is not None and change.time is not None:
            time, time_loc, note = change.time, (*loc, "time"), ""
        elif holiday:
            time, time_loc, note = None, where, ""
        elif pattern.time is not None:
            time, time_loc, note = pattern.time, ("weekly", "time"), f" (the meeting on {date})"
        else:
            time, time_loc = self.course.meeting_time, where
            note = f" (the meeting on {date}; the time is course.meeting_time)"
        room = pick("room", pattern.room)
        if room is None:
            room = "" if holiday else self.course.room
        return PlannedMeeting(
            loc=loc,
            week=_week_of(date, weeks),
            date=date,
            key="",
            kind=kind,
            topic=pick("topic", pattern.topic) or "",
            note=pick("note", ""),
            slides=pick("slides", ""),
            materials=tuple(pick("materials", [])),
            time=time,
            room=room,
            time_loc=time_loc,
            time_note=note,
        )

    def rubric(self) -> list[tuple[tuple, str, PartSpec]]:
        """Every rubric node, parents before children: (location, key, node)."""
        nodes: list[tuple[tuple, str, PartSpec]] = []

        def walk(loc: tuple, key: str, node: PartSpec) -> None:
            nodes.append((loc, key, node))
            for index, child in enumerate(node.children):
                walk((*loc, "children", index), child.key, child)

        for key, part in self.grading.items():
            walk(("grading", key), key, part)
        return nodes

    def _first_date(self) -> dt.date | None:
        dates = [week.starts for week in self.weeks] + [s.date for s in self.sessions]
        if self.weekly is not None:
            dates.append(self.weekly.first)
        return min(dates, default=None)

    def shifted(self, *, weeks: int, code_suffix: str, title_suffix: str = "") -> "CourseSpec":
        """A copy whose every date moves by whole weeks, under another course code.

        Weekdays stay as they were, so a Tuesday/Thursday course stays Tuesday/Thursday.
        """
        delta = dt.timedelta(weeks=weeks)
        data = self.model_dump()
        data["course"]["code"] = f"{self.course.code}{code_suffix}"
        data["course"]["title"] = f"{self.course.title}{title_suffix}"
        data["course"]["term"] = _shift_years(self.course.term, self._first_date(), delta)
        moved = f"moved by {weeks} weeks"
        try:
            for moment in ("signup_opens", "papers_close"):
                if data["policies"][moment] is not None:
                    data["policies"][moment] += delta
            for week in data["weeks"]:
                week["starts"] += delta
                for meeting in week["meetings"]:
                    meeting["date"] += delta
            if data["weekly"] is not None:
                pattern = data["weekly"]
                pattern["first"] += delta
                pattern["last"] += delta
                pattern["skip"] = [day + delta for day in pattern["skip"]]
                for change in pattern["dates"]:
                    change["date"] += delta
                    if change["moved_to"] is not None:
                        change["moved_to"] += delta
                for meeting in pattern["extra"]:
                    meeting["date"] += delta
            for session in data["sessions"]:
                session["date"] += delta
            if data["policies"]["teams_close"] is not None:
                data["policies"]["teams_close"] += delta
            for deliverable in data["deliverables"]:
                for moment in ("opens", "due"):
                    if deliverable[moment] is not None:
                        deliverable[moment] += delta
        except OverflowError:
            raise CourseFileError([f"(top level): {moved}, the dates leave the calendar"]) from None
        # The copy is checked like a file: a date may leave the allowed years, and a time that
        # was fine may fall on another daylight-saving change.
        problems = _Problems()
        spec, broken = _check_shape(data, problems)
        if spec is not None:
            _check_rules(spec, problems, broken=broken)
        if problems:
            raise CourseFileError([f"{message} ({moved})" for message in problems.messages()])
        assert spec is not None
        return spec


def _shift_years(term: str, first: dt.date | None, delta: dt.timedelta) -> str:
    """A term's label for dates moved by `delta`: "Autumn 2025" moved a year on is "Autumn
    2026", so that a shifted copy does not claim the original term."""
    if first is None:
        return term
    try:
        years = (first + delta).year - first.year
    except OverflowError:
        return term
    return re.sub(r"\b(?:19|20|21)\d\d\b", lambda match: str(int(match.group()) + years), term)


# --- Reading the YAML ---------------------------------------------------------------------
#
# YAML 1.1, which PyYAML implements, guesses the type of every unquoted value: `10:30` is the
# base-60 integer 630, `No` is false, `0755` is octal, `2025-02-30` crashes the date parser.
# We take only the structure (mappings, lists, nulls) from YAML and keep every value as the
# text the author wrote; the schema above then reads it as the type the key expects, with a
# located message when it cannot.

# libyaml's parser when PyYAML was built with it: twenty times faster on a course file.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_NULL = f"{_CORE}null"
_MERGE = f"{_CORE}merge"
# The tags a node gets without one written: what the safe loader guesses for plain text, and
# `!!str`, `!!seq` and `!!map`. A node tagged otherwise asked for another type (`!!binary`,
# `!!set`, `!!python/object:...`, `!local`) that the format would read as something else.
_PLAIN_TAGS = frozenset(
    _CORE + name
    for name in ("null", "bool", "int", "float", "str", "timestamp", "value", "merge", "seq", "map")
)


class _Problems:
    """Problems found so far, each with its location and, when known, its line."""

    def __init__(self) -> None:
        self.lines: dict[tuple, int] = {}
        self.items: list[tuple[int, str]] = []

    def add(self, loc: tuple, message: str, *, line: int | None = None) -> None:
        # A missing key has no line of its own: use the entry it is missing from.
        probe = loc
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = line or (self.lines.get(probe) if probe else None)
        where = format_location(loc) + (f" (line {line})" if line else "")
        self.items.append((line or 0, f"{where}: {message}"))

    def __bool__(self) -> bool:
        return bool(self.items)

    def messages(self) -> list[str]:
        # In file order; problems without a line (a missing section) come first.
        return [message for _, message in sorted(self.items, key=lambda item: item[0])]


def format_location(loc: tuple) -> str:
    """`("grading", "report", "children", 1, "points")` -> `grading.report.children[1].points`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _check_text(text: str) -> None:
    """Refuse a file too big to read, or holding characters that have no place in text.

    A NUL byte cannot be stored in PostgreSQL at all, and other control characters (a
    terminal escape, a backspace) would end up on pages and in the command's output.
    """
    size = len(text) if len(text) > MAX_FILE_BYTES else len(text.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise CourseFileError([_too_big(size)])
    problems = []
    for found in _FORBIDDEN_IN_FILE.finditer(text):
        at = found.start()
        line, column = text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)
        problems.append(f"line {line}, column {column}: {_describe_char(found.group())}")
        if len(problems) == 20:
            problems.append("(top level): more control characters follow; stopped at 20")
            break
    if problems:
        raise CourseFileError(problems)


def _too_big(size: int) -> str:
    return (
        f"(top level): the file is {size:,} bytes; a course file may be at most "
        f"{MAX_FILE_BYTES:,} bytes (2 MB)"
    )


def decode_course_file(data: bytes, *, size: int | None = None) -> str:
    """The text of an uploaded or read course file, or CourseFileError saying why not.

    `size` is the whole file's, when `data` is only its start.
    """
    if len(data) > MAX_FILE_BYTES:
        raise CourseFileError([_too_big(max(size or 0, len(data)))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CourseFileError(
            [f"(top level): not UTF-8 text (byte {exc.start}); save the file as UTF-8"]
        ) from None


# Tab and newline are text; other control characters (Unicode's Cc: U+0000 to U+001F and
# U+007F to U+009F) and lone surrogates (which cannot be encoded to be stored) are not. In the
# file a carriage return may end a line (Windows line ends); inside a value it may not.
_FORBIDDEN = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
_FORBIDDEN_IN_FILE = re.compile(f"[{_FORBIDDEN}]|\r(?!\n)")
_FORBIDDEN_IN_VALUE = re.compile(f"[{_FORBIDDEN}\r]")


def _describe_char(char: str) -> str:
    name = {"\x00": " (NUL)", "\x1b": " (ESC)", "\x7f": " (DEL)"}.get(char, "")
    return f"control character U+{ord(char):04X}{name} is not allowed in a course file"


def _forbidden_in(value: str) -> str | None:
    found = _FORBIDDEN_IN_VALUE.search(value)
    return found.group() if found else None


def _read_yaml(text: str, problems: _Problems) -> Any:
    try:
        root = yaml.compose(text, Loader=_YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(top level)"
        message = exc.problem or str(exc)
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise CourseFileError([f"{where}: YAML syntax error: {message}"]) from None
    except yaml.YAMLError as exc:
        message = " ".join(str(exc).split())  # one line, like every other problem
        raise CourseFileError([f"(top level): YAML syntax error: {message}"]) from None
    if root is None:
        raise CourseFileError(["(top level): the file is empty"])
    return _node_data(root, (), problems, budget=[_MAX_ENTRIES])


# A course has a few thousand entries; aliases (*name) repeating a big anchor (&name) could
# make a short file expand to millions.
_MAX_ENTRIES = 100_000


def _node_data(node: yaml.Node, loc: tuple, problems: _Problems, *, budget: list[int]) -> Any:
    """Plain data from a YAML node: dicts, lists, None and str; lines and duplicates noted."""
    budget[0] -= 1
    if budget[0] < 0 or len(loc) > 50:
        raise CourseFileError(
            [f"{format_location(loc[:1])}: the file nests or repeats too deeply (YAML aliases?)"]
        )
    problems.lines.setdefault(loc, node.start_mark.line + 1)
    if node.tag not in _PLAIN_TAGS:
        tag = node.tag.replace(_CORE, "!!", 1) if node.tag.startswith(_CORE) else node.tag
        problems.add(loc, f"YAML tags such as {tag} are not supported: write the value as text")
    if isinstance(node, yaml.ScalarNode):
        # An escape in a quoted value ("\0", "\e") can write what the text check refused.
        char = _forbidden_in(node.value)
        if char is not None:
            problems.add(loc, _describe_char(char))
        return None if node.tag == _NULL else node.value
    if isinstance(node, yaml.SequenceNode):
        return [
            _node_data(item, (*loc, index), problems, budget=budget)
            for index, item in enumerate(node.value)
        ]
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == _MERGE:
            problems.add(loc, "YAML merge keys (<<) are not supported", line=line)
            continue
        if not isinstance(key_node, yaml.ScalarNode):
            problems.add(loc, "a key must be plain text", line=line)
            continue
        key = key_node.value
        char = _forbidden_in(key)
        if char is not None:
            problems.add(loc, f"in a key: {_describe_char(char)}", line=line)
            continue
        if key in key_lines:
            problems.add(
                (*loc, key),
                f"key written twice in one mapping (first on line {key_lines[key]})",
                line=line,
            )
            continue
        # A key's line, rather than its value's, locates problems with the value.
        key_lines[key] = problems.lines[(*loc, key)] = line
        data[key] = _node_data(value_node, (*loc, key), problems, budget=budget)
    return data


# --- Shape: the first pass ----------------------------------------------------------------


def _expected_keys(loc: tuple) -> list[str]:
    """The keys the schema allows at a location (for suggesting one on a typo)."""
    annotation: Any = CourseSpec
    for part in loc:
        annotation = _unwrap(annotation)
        if isinstance(part, int) and typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                return []
            annotation = field.annotation
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """`X | None` and `Annotated[X, ...]` -> X."""
    while True:
        if typing.get_origin(annotation) is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is (
            typing.Union
        ):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        else:
            return annotation


_TYPE_NAMES = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "decimal_type": "a number",
    "decimal_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date like 2025-09-02",
    "date_parsing": "a date like 2025-09-02",
    "date_from_datetime_parsing": "a date like 2025-09-02",
    "date_from_datetime_inexact": "a date like 2025-09-02",
    "datetime_type": "a date and time like 2025-09-15T09:00",
    "datetime_parsing": "a date and time like 2025-09-15T09:00",
    "datetime_from_date_parsing": "a date and time like 2025-09-15T09:00",
    "time_type": "a time like 10:30",
    "time_parsing": "a time like 10:30",
    "list_type": "a list",
    "tuple_type": "a list",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
}

_LIMITS = {
    "greater_than_equal": ("ge", "at least {}"),
    "greater_than": ("gt", "more than {}"),
    "less_than_equal": ("le", "at most {}"),
    "less_than": ("lt", "less than {}"),
    "decimal_max_places": ("decimal_places", "given to at most {} decimal places"),
    "decimal_max_digits": ("max_digits", "at most {} digits long"),
    "too_short": ("min_length", "at least {} items long"),
    "too_long": ("max_length", "at most {} items long"),
}


def _describe(error: dict) -> tuple[tuple, str]:
    """A pydantic error as (location in the file, message for a course author)."""
    loc, kind, value = tuple(error["loc"]), error["type"], error.get("input")
    if loc and loc[-1] == "[key]":
        # A mapping key failed: pydantic names the key, then "[key]".
        loc = loc[:-1]
    if kind == "missing":
        return loc, "missing required key"
    if kind == "extra_forbidden":
        expected = _expected_keys(loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), expected, n=1)
        if hint:
            return loc, f"unknown key (did you mean {hint[0]!r}?)"
        return loc, "unknown key" + (f" (known keys: {', '.join(expected)})" if expected else "")
    if kind == "value_error":
        return loc, str(error["ctx"]["error"])
    if kind in ("literal_error", "enum"):
        return loc, f"{_quote(value)} is not one of: {error['ctx']['expected']}"
    if kind == "string_too_short":
        return loc, "needs a value" if value in ("", None) else error["msg"]
    if kind in _TYPE_NAMES:
        expected = _TYPE_NAMES[kind]
        if value is None:
            return loc, "needs a value" + ("" if expected == "text" else f" ({expected})")
        if isinstance(value, str):
            # For dates and times pydantic says why after a comma: "..., day value is
            # outside expected range". For the other types that is only "unable to parse".
            _, _, why = error["msg"].partition(", ")
            if why and kind.startswith(("date", "time")):
                return loc, f"{_quote(value)} is not {expected} ({why})"
            return loc, f"{_quote(value)} is not {expected}"
        return loc, f"expected {_TYPE_NAMES[kind]}, not a {_kind_of(value)}"
    if kind == "string_too_long":
        limit = error["ctx"]["max_length"]
        return loc, f"is {len(value):,} characters long; at most {limit:,} are allowed"
    if kind in _LIMITS:
        name, template = _LIMITS[kind]
        shown = f"{_quote(value)} " if isinstance(value, (str, Decimal, int)) else ""
        return loc, f"{shown}must be {template.format(error['ctx'][name])}"
    return loc, error["msg"]


def _kind_of(value: Any) -> str:
    return {dict: "mapping", list: "list"}.get(type(value), type(value).__name__)


def _check_shape(data: Any, problems: _Problems) -> tuple[CourseSpec | None, set[str]]:
    """The validated spec, or a partial one of the sections that passed, and the broken ones."""
    if not isinstance(data, dict):
        problems.add((), "expected a mapping of sections (course, weeks, grading, ...)")
        return None, set()
    try:
        return CourseSpec.model_validate(data), set()
    except ValidationError as exc:
        for error in exc.errors():
            problems.add(*_describe(error))
        broken = {error["loc"][0] for error in exc.errors() if error["loc"]}
    # Check the rules of the sections that are sound; a stand-in course keeps the model whole.
    sound = {key: value for key, value in data.items() if key not in broken}
    if "course" in broken:
        sound["course"] = {"code": "course", "title": "Course"}
    try:
        return CourseSpec.model_validate(sound), broken
    except ValidationError:
        return None, broken


def parse_course_file(text: str) -> CourseSpec:
    """The validated course described by `text`, or CourseFileError listing every problem."""
    _check_text(text)
    problems = _Problems()
    data = _read_yaml(text, problems)
    spec, broken = _check_shape(data, problems)
    if spec is not None:
        _check_rules(spec, problems, broken=broken)
    if problems:
        raise CourseFileError(problems.messages())
    assert spec is not None
    spec._lines = problems.lines
    return spec


# --- Rules: the second pass ---------------------------------------------------------------


def _check_rules(spec: CourseSpec, problems: _Problems, *, broken: set[str]) -> None:
    """Rules that relate entries to each other, each problem reported where it is.

    A rule runs only when every section it reads passed the shape check: "unknown category"
    would be noise while the categories themselves are broken.
    """

    def sound(*sections: str) -> bool:
        return not broken.intersection(sections)

    for section, attr, what in [
        ("categories", "key", "category"),
        ("weeks", "number", "week"),
        ("sessions", "number", "session"),
        ("papers", "key", "paper"),
        ("feedback_questions", "key", "question"),
        ("letters", "letter", "letter"),
        ("letters", "min", "minimum"),
        ("deliverables", "key", "deliverable"),
    ]:
        if sound(section):
            _check_unique(problems, getattr(spec, section), attr, section, what)

    categories = {category.key for category in spec.categories}
    known = ", ".join(sorted(categories)) or "none defined"
    meetings = None
    if sound("weeks", "weekly") and (spec.weekly is None or _check_weekly(spec, problems)):
        meetings = spec.planned_meetings()
        _check_meetings(spec, meetings, problems)
    presentations = (
        {m.date: m for m in meetings if m.kind == Meeting.Kind.PRESENTATION}
        if meetings is not None
        else None
    )

    if sound("sessions"):
        session_dates: dict[dt.date, int] = {}
        for s, session in enumerate(spec.sessions):
            category = session.category
            if sound("categories") and category is not None and category not in categories:
                problems.add(
                    ("sessions", s, "category"), f"unknown category {category!r} (known: {known})"
                )
            if presentations is not None and session.date not in presentations:
                problems.add(
                    ("sessions", s, "date"),
                    f"no meeting of kind presentation on {session.date}",
                )
            if session.date in session_dates:
                problems.add(
                    ("sessions", s, "date"),
                    f"sessions[{session_dates[session.date]}] is on the same date",
                )
            session_dates.setdefault(session.date, s)
            if session.slot_times is not None and len(session.slot_times) != session.slots:
                problems.add(
                    ("sessions", s, "slot_times"),
                    f"{len(session.slot_times)} times given for {session.slots} slots",
                )

    if sound("course"):
        _check_times(spec, problems, meetings=meetings, presentations=presentations, broken=broken)

    if sound("papers", "categories"):
        for p, paper in enumerate(spec.papers):
            if paper.category not in categories:
                problems.add(
                    ("papers", p, "category"),
                    f"unknown category {paper.category!r} (known: {known})",
                )

    if sound("grading"):
        _check_rubric(spec, problems, broken=broken)

    if sound("deliverables"):
        _check_deliverables(
            spec,
            problems,
            leaves=_leaf_sources(spec) if sound("grading") else None,
            meetings=meetings,
        )
    if sound("policies") and spec.policies.team_min_size > spec.policies.team_max_size:
        problems.add(
            ("policies", "team_min_size"),
            f"{spec.policies.team_min_size} is above team_max_size {spec.policies.team_max_size}",
        )


def _check_unique(problems: _Problems, items: list, attr: str, section: str, what: str) -> None:
    first: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, attr)
        if value in first:
            shown = f"{value:g}" if isinstance(value, Decimal) else repr(value)
            problems.add(
                (section, index, attr),
                f"duplicate {what} {shown} (first at {section}[{first[value]}])",
            )
        else:
            first[value] = index


def _check_weekly(spec: CourseSpec, problems: _Problems) -> bool:
    """The pattern's dates: in order, at most two years apart, changes on dates it gives.

    False when the pattern's span itself is wrong: its meetings are not worth checking then.
    """
    pattern = spec.weekly
    assert pattern is not None
    if pattern.last < pattern.first:
        problems.add(("weekly", "last"), f"{pattern.last} is before weekly.first {pattern.first}")
        return False
    if (pattern.last - pattern.first).days > MAX_PATTERN_DAYS:
        problems.add(
            ("weekly", "last"),
            f"the pattern spans {(pattern.last - pattern.first).days} days; at most "
            f"{MAX_PATTERN_DAYS} (two years)",
        )
        return False
    days = set(spec.pattern_days())
    shown = (
        f"a {'/'.join(day.title() for day in pattern.days)} from {pattern.first} to {pattern.last}"
    )
    for i, day in enumerate(pattern.skip):
        if day not in days:
            problems.add(("weekly", "skip", i), f"{day} is not a date of the pattern ({shown})")
    skipped = set(pattern.skip)
    first_at: dict[dt.date, int] = {}
    for d, change in enumerate(pattern.dates):
        loc = ("weekly", "dates", d, "date")
        if change.date in first_at:
            problems.add(
                loc,
                f"{change.date} is changed twice (first at weekly.dates[{first_at[change.date]}])",
            )
        first_at.setdefault(change.date, d)
        if change.date not in days:
            problems.add(
                loc,
                f"{change.date} is not a date of the pattern ({shown}); list a meeting on "
                "another day under weeks",
            )
        elif change.date in skipped:
            problems.add(loc, f"{change.date} is also in weekly.skip")
    return True


def _check_meetings(spec: CourseSpec, meetings: list[PlannedMeeting], problems: _Problems) -> None:
    """Every meeting has a topic, lies in a week, and is the only one with its date and key."""
    if len(meetings) > MAX_MEETINGS:
        problems.add(
            ("weekly",) if spec.weekly is not None else ("weeks",),
            f"{len(meetings)} meetings; a course has at most {MAX_MEETINGS}",
        )
        return
    planned_weeks = spec.planned_weeks()
    weeks: dict[int, PlannedWeek] = {}
    for week in planned_weeks:
        weeks.setdefault(week.number, week)
    untitled = [meeting for meeting in meetings if not meeting.topic]
    if untitled:
        dates = ", ".join(str(meeting.date) for meeting in untitled[:5])
        more = f" and {len(untitled) - 5} more" if len(untitled) > 5 else ""
        problems.add(
            untitled[0].loc,
            f"no topic for the meeting on {dates}{more}: give weekly.topic, or a topic in "
            "weekly.dates",
        )
    first_at: dict[tuple, PlannedMeeting] = {}
    presentations: dict[dt.date, PlannedMeeting] = {}
    for meeting in sorted(meetings, key=lambda meeting: _file_order(meeting.loc)):
        if meeting.loc[0] == "weeks":
            week = planned_weeks[meeting.loc[1]]  # listed in that week
        else:
            week = weeks.get(meeting.week) if meeting.week is not None else None
        date_loc = meeting.loc if len(meeting.loc) == 1 else (*meeting.loc, "date")
        if week is None:
            problems.add(date_loc, f"the meeting on {meeting.date} falls in no week of weeks")
        elif not week.starts <= meeting.date <= week.ends:
            problems.add(
                date_loc,
                f"{meeting.date} is outside week {week.number} ({week.starts} to {week.ends})",
            )
        first = first_at.setdefault(meeting.identity, meeting)
        if first is not meeting:
            problems.add(
                date_loc,
                f"a second meeting on {meeting.label()} (first at "
                f"{format_location(first.loc)}): give one of them a key",
            )
        if meeting.kind == Meeting.Kind.PRESENTATION:
            if meeting.date in presentations:
                # A session is found by its date, so its meeting must be the only one.
                problems.add(date_loc, f"a second presentation meeting on {meeting.date}")
            presentations.setdefault(meeting.date, meeting)


def _file_order(loc: tuple) -> tuple:
    # Listed meetings first, in the order written, then the pattern's.
    return tuple((0, part) if isinstance(part, int) else (1, str(part)) for part in loc)


def _check_times(
    spec: CourseSpec,
    problems: _Problems,
    *,
    meetings: list[PlannedMeeting] | None,
    presentations: dict[dt.date, PlannedMeeting] | None,
    broken: set[str],
) -> None:
    """Every local time names exactly one instant, and every slot fits in its meeting."""
    zone = zoneinfo.ZoneInfo(spec.course.time_zone)

    def exists(loc: tuple, day: dt.date, time: dt.time, *, note: str = "") -> bool:
        why = local_time_problem(dt.datetime.combine(day, time), zone)
        if why:
            problems.add(loc, why + note)
        return why is None

    for name in ("signup_opens", "papers_close", "teams_close"):
        moment = getattr(spec.policies, name)
        if "policies" not in broken and moment is not None and moment.tzinfo is None:
            # With an offset written out (+08:00) the instant is unambiguous whatever the zone.
            exists(("policies", name), moment.date(), moment.time())
    if "deliverables" not in broken:
        for d, deliverable in enumerate(spec.deliverables):
            for name in ("opens", "due"):
                moment = getattr(deliverable, name)
                if moment is not None and moment.tzinfo is None:
                    exists(("deliverables", d, name), moment.date(), moment.time())
    if meetings is None:
        return
    for meeting in meetings:
        hours = meeting.time
        if hours is not None and exists(
            meeting.time_loc, meeting.date, hours.start, note=meeting.time_note
        ):
            exists(meeting.time_loc, meeting.date, hours.end, note=meeting.time_note)
    if "sessions" not in broken and presentations is not None:
        for s, session in enumerate(spec.sessions):
            meeting = presentations.get(session.date)
            hours = meeting.time if meeting is not None else None
            _check_slot_times(s, session, hours, problems, exists)


def _check_slot_times(
    s: int,
    session: SessionSpec,
    hours: TimeRange | None,
    problems: _Problems,
    exists: Callable[..., bool],
) -> None:
    """Slots start inside the meeting's hours and end by its end, at times that exist."""
    minutes = session.slot_minutes
    length = dt.timedelta(minutes=minutes or 0)
    day = session.date
    if session.slot_times is None:
        if hours is None or minutes is None:
            return
        start = dt.datetime.combine(day, hours.start)
        end = start + length * session.slots
        if end > dt.datetime.combine(day, hours.end):
            problems.add(
                ("sessions", s, "slot_minutes"),
                f"{session.slots} slots of {minutes} minutes from {hours.start:%H:%M} run to "
                f"{end:%H:%M}, past the end of the meeting ({hours})",
            )
            return
        for index in range(session.slots + 1):
            moment = start + length * index
            if not exists(("sessions", s, "slot_minutes"), day, moment.time()):
                return
        return
    for index, time in enumerate(session.slot_times):
        loc = ("sessions", s, "slot_times", index)
        start = dt.datetime.combine(day, time)
        end = start + length
        if hours is not None and not hours.start <= time < hours.end:
            problems.add(loc, f"{time:%H:%M} is outside the meeting's hours ({hours})")
        elif hours is not None and end > dt.datetime.combine(day, hours.end):
            problems.add(
                loc,
                f"a {minutes}-minute slot from {time:%H:%M} runs to {end:%H:%M}, past the end "
                f"of the meeting ({hours})",
            )
        elif exists(loc, day, time) and minutes:
            exists(loc, end.date(), end.time())


def _check_rubric(spec: CourseSpec, problems: _Problems, *, broken: set[str]) -> None:
    """Keys unique across the rubric, then the rubric's own rules (grading.rubric)."""
    first_at: dict[str, tuple] = {}
    nodes: dict[tuple, RubricNode] = {}
    parts = []
    for loc, key, node in spec.rubric():  # parents come before their children
        is_child = loc[-2] == "children"
        if key in first_at:
            problems.add(
                (*loc, "key") if is_child else loc,
                f"duplicate criterion key {key!r} (first at {format_location(first_at[key])})",
            )
        else:
            first_at[key] = loc
        nodes[loc] = RubricNode(
            key=key,
            points=node.points,
            source=node.source or "",
            peer_share=node.peer_share,
            questions=list(node.questions),
            drop_lowest=node.drop_lowest,
            ref=loc,
        )
        (nodes[loc[:-2]].children if is_child else parts).append(nodes[loc])

    questions = None
    if "feedback_questions" not in broken:
        questions = {question.key for question in spec.feedback_questions}
    total = None if "course" in broken else spec.course.total_points
    for problem in rubric_problems(parts, total_points=total, questions=questions):
        if problem.node is None:
            problems.add(("grading",), problem.message)
        else:
            field = problem.field if isinstance(problem.field, tuple) else (problem.field,)
            problems.add((*problem.node.ref, *field), problem.message)


def _leaf_sources(spec: CourseSpec) -> dict[str, str]:
    """The rubric's leaves: key -> source."""
    return {key: str(node.source or "") for _, key, node in spec.rubric() if not node.children}


def _check_deliverables(
    spec: CourseSpec,
    problems: _Problems,
    *,
    leaves: dict[str, str] | None,
    meetings: list[PlannedMeeting] | None,
) -> None:
    """A deliverable is due once (`due`) or for every meeting of a kind (`every`); it feeds
    leaves of the rubric: a one-off deliverable `instructor` leaves (the grader's score, less
    the late penalty), a recurring one `responses` leaves, which count what was handed in."""
    fed: dict[str, int] = {}
    series = {item.key: d for d, item in enumerate(spec.deliverables) if item.every is not None}
    for d, item in enumerate(spec.deliverables):
        loc = ("deliverables", d)
        # A recurring deliverable's instances are keyed `<key>-<yyyymmdd>`.
        clash = next(
            (other for other in series if other != item.key and item.key.startswith(f"{other}-")),
            None,
        )
        if clash is not None:
            problems.add(
                (*loc, "key"),
                f"{item.key!r} may clash with the instances of deliverables[{series[clash]}] "
                f"({clash!r}, keyed {clash}-<date>)",
            )
        if (item.due is None) == (item.every is None):
            problems.add(loc, "give either `due` (one due date) or `every` (per meeting)")
        if item.due is not None and item.opens is not None and item.opens >= item.due:
            problems.add((*loc, "opens"), f"opens {item.opens} is not before due {item.due}")
        if (
            item.every is not None
            and meetings is not None
            and not any(meeting.kind == item.every.kind for meeting in meetings)
        ):
            problems.add((*loc, "every", "kind"), f"no meeting of kind {item.every.kind}")
        if item.kind == "text" and item.page_limit is not None:
            problems.add((*loc, "page_limit"), "a text deliverable has no pages")
        if leaves is None:
            continue
        for f, key in enumerate(item.feeds):
            where = (*loc, "feeds", f)
            if key not in leaves:
                known = ", ".join(sorted(leaves)) or "none defined"
                problems.add(where, f"{key!r} is not a leaf of the rubric (leaves: {known})")
                continue
            wanted = "responses" if item.every is not None else "instructor"
            if leaves[key] != wanted:
                what = "a recurring" if item.every is not None else "a one-off"
                problems.add(
                    where,
                    f"{what} deliverable feeds {wanted} leaves; {key!r} is {leaves[key]!r}",
                )
            elif key in fed:
                problems.add(where, f"{key!r} is fed by deliverables[{fed[key]}] already")
            else:
                fed[key] = d
    if leaves is not None:
        for key, source in leaves.items():
            if source == "responses" and key not in fed:
                problems.add(
                    ("grading",), f"the responses leaf {key!r} is fed by no recurring deliverable"
                )
