"""The course file: one YAML document describing a whole course.

`parse_course_file(text)` turns the text into a validated `CourseSpec` or raises
`CourseFileError` listing every problem with its location in the file, e.g.
``grading.report.children[1].points (line 212): ...``. The format is documented in
docs/course-file.md. Checking runs in two passes: the shape of every entry (types, required
and unknown keys) first, then, once the shape is sound, the rules that relate entries to
each other (points adding up, sessions naming known categories, meetings inside their week).
"""

import datetime as dt
import re
import zoneinfo
from collections import Counter
from decimal import Decimal
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Url = Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=500)]
Points = Annotated[Decimal, Field(ge=0, max_digits=7, decimal_places=2)]

_TIME_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CourseFileError(Exception):
    """The file is not a valid course file. `problems` lists each one, located."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TimeRange(_Strict):
    start: dt.time
    end: dt.time


def _parse_time_range(value: Any) -> Any:
    if isinstance(value, str):
        match = _TIME_RANGE.match(value)
        if not match:
            raise ValueError("expected a time range like 10:30-11:50")
        h1, m1, h2, m2 = (int(part) for part in match.groups())
        try:
            start, end = dt.time(h1, m1), dt.time(h2, m2)
        except ValueError as exc:
            raise ValueError(f"not a valid time range: {exc}") from None
        if end <= start:
            raise ValueError("the range must end after it starts")
        return TimeRange(start=start, end=end)
    return value


class CourseMeta(_Strict):
    code: Key
    title: NonEmpty
    term: Text = ""
    lecturer: Text = ""
    description: Text = ""
    time_zone: str = "UTC"
    public: bool = False
    total_points: Annotated[Decimal, Field(gt=0, max_digits=7, decimal_places=2)] = Decimal(100)
    meeting_time: TimeRange | None = None
    room: Text = ""

    _time_range = field_validator("meeting_time", mode="before")(_parse_time_range)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"unknown time zone {value!r} (use an IANA name like Asia/Hong_Kong)")
        return value


class Policies(_Strict):
    signup_opens: dt.datetime | None = None
    signup_freeze_hours: Annotated[int, Field(ge=0)] = 24
    feedback_window_hours: Annotated[int, Field(ge=0)] = 72
    feedback_free_misses: Annotated[int, Field(ge=0)] = 0
    peer_aggregate: Literal["mean", "median", "trimmed_mean"] = "mean"
    peer_trim_fraction: Annotated[Decimal, Field(ge=0, le=Decimal("0.49"), decimal_places=2)] = (
        Decimal("0.10")
    )
    min_reviews: Annotated[int, Field(ge=0)] = 3


class CategorySpec(_Strict):
    key: Key
    name: NonEmpty
    description: Text = ""


class MeetingSpec(_Strict):
    date: dt.date
    kind: Literal["lecture", "presentation", "review", "holiday"] = "lecture"
    topic: NonEmpty
    slides: Url | None = None
    time: TimeRange | None = None
    room: Text | None = None

    _time_range = field_validator("time", mode="before")(_parse_time_range)


class WeekSpec(_Strict):
    number: Annotated[int, Field(ge=1, le=60)]
    starts: dt.date
    title: Text = ""
    meetings: list[MeetingSpec] = []


class SessionSpec(_Strict):
    number: Annotated[int, Field(ge=1)]
    date: dt.date
    category: Key
    slots: Annotated[int, Field(ge=1, le=50)]
    capacity: Annotated[int, Field(ge=1, le=20)] = 1
    slot_minutes: Annotated[int, Field(ge=1, le=600)] | None = None
    slot_times: list[dt.time] | None = None


class PaperSpec(_Strict):
    key: Key
    title: NonEmpty
    authors: Text = ""
    venue: Text = ""
    year: Annotated[int, Field(ge=1900, le=2200)] | None = None
    url: Url | None = None
    category: Key


class QuestionSpec(_Strict):
    key: Key
    label: NonEmpty
    help: Text = ""
    scale: tuple[int, int] = (1, 5)
    floor: Annotated[Decimal, Field(ge=0, le=1, decimal_places=3)] | None = None
    comment_required: bool = False

    @field_validator("scale")
    @classmethod
    def _ordered(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if low < 0 or high <= low:
            raise ValueError(f"the scale [{low}, {high}] must go up from a minimum of 0 or more")
        return value


Source = Literal["instructor", "peer", "blend", "feedback_given"]


class PartSpec(_Strict):
    """A rubric node without its key: top-level parts are keyed by their mapping key."""

    name: NonEmpty
    description: Text = ""
    points: Points
    source: Source | None = None
    peer_share: Decimal | None = None
    questions: list[Key] = []
    children: list["CriterionSpec"] = []


class CriterionSpec(PartSpec):
    key: Key


class LetterSpec(_Strict):
    letter: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=8)]
    min: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)]


class CourseSpec(_Strict):
    course: CourseMeta
    policies: Policies = Policies()
    categories: list[CategorySpec] = []
    weeks: list[WeekSpec] = []
    sessions: list[SessionSpec] = []
    papers: list[PaperSpec] = []
    feedback_questions: list[QuestionSpec] = []
    grading: dict[Key, PartSpec] = {}
    letters: list[LetterSpec] = []

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

    def shifted(self, *, weeks: int, code_suffix: str, title_suffix: str = "") -> "CourseSpec":
        """A copy whose every date moves by whole weeks, under another course code.

        Weekdays stay as they were, so a Tuesday/Thursday course stays Tuesday/Thursday.
        """
        delta = dt.timedelta(weeks=weeks)
        data = self.model_dump()
        data["course"]["code"] = f"{self.course.code}{code_suffix}"[:64]
        data["course"]["title"] = f"{self.course.title}{title_suffix}"
        if data["policies"]["signup_opens"] is not None:
            data["policies"]["signup_opens"] += delta
        for week in data["weeks"]:
            week["starts"] += delta
            for meeting in week["meetings"]:
                meeting["date"] += delta
        for session in data["sessions"]:
            session["date"] += delta
        return CourseSpec.model_validate(data)


# --- YAML ---------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader without YAML 1.1's base-60 numbers: `10:30` must not become 630."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)


def _index_nodes(node: yaml.Node, loc: tuple, lines: dict, problems: list[str]) -> None:
    """Record the line of every location, and report keys written twice in one mapping."""
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    f"{format_location((*loc, key))} (line {line}): "
                    f"duplicate key, already given on line {seen[key]}"
                )
            seen[key] = line
            _index_nodes(value_node, (*loc, key), lines, problems)
            lines[(*loc, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_nodes(item, (*loc, index), lines, problems)


def format_location(loc: tuple) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


class _Problems:
    def __init__(self, lines: dict):
        self.lines = lines
        self.items: list[tuple[int, str]] = []

    def add(self, loc: tuple, message: str) -> None:
        # The nearest enclosing location that has a line: a missing key has none of its own.
        probe = loc
        while probe and probe not in self.lines:
            probe = probe[:-1]
        line = self.lines.get(probe)
        where = format_location(loc) + (f" (line {line})" if line else "")
        self.items.append((line or 0, f"{where}: {message}"))

    def sorted(self) -> list[str]:
        return [message for _, message in sorted(self.items, key=lambda item: item[0])]


_MESSAGES = {
    "missing": "missing required key",
    "extra_forbidden": "unknown key",
}


def parse_course_file(text: str) -> CourseSpec:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise CourseFileError([f"{where}: YAML syntax error: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise CourseFileError([f"YAML syntax error: {exc}"]) from None
    if root is None:
        raise CourseFileError(["(top level): the file is empty"])

    lines: dict = {}
    duplicate_keys: list[str] = []
    _index_nodes(root, (), lines, duplicate_keys)
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    problems = _Problems(lines)
    if not isinstance(data, dict):
        raise CourseFileError(["(top level): expected a mapping of sections (course, weeks, ...)"])

    try:
        spec = CourseSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(part for part in error["loc"] if part not in ("function-before",))
            # Pydantic names the branch of a union it tried; the file knows no such key.
            loc = tuple(p for p in loc if not (isinstance(p, str) and p.startswith("function-")))
            message = _MESSAGES.get(error["type"], error["msg"])
            if error["type"] == "literal_error":
                message = f"{error['input']!r} is not one of: {error['ctx']['expected']}"
            problems.add(loc, message)
        raise CourseFileError(duplicate_keys + problems.sorted()) from None

    _check_rules(spec, problems)
    if duplicate_keys or problems.items:
        raise CourseFileError(duplicate_keys + problems.sorted())
    return spec


def _duplicates(problems: _Problems, items: list, attr: str, loc: tuple, what: str) -> None:
    first: dict[Any, int] = {}
    for index, item in enumerate(items):
        value = getattr(item, attr)
        if value in first:
            problems.add(
                (*loc, index, attr),
                f"duplicate {what} {value!r} (first at {format_location((*loc, first[value]))})",
            )
        else:
            first[value] = index


def _check_rules(spec: CourseSpec, problems: _Problems) -> None:
    """Rules that relate entries to each other, each problem reported where it is."""
    _duplicates(problems, spec.categories, "key", ("categories",), "category")
    _duplicates(problems, spec.weeks, "number", ("weeks",), "week")
    _duplicates(problems, spec.sessions, "number", ("sessions",), "session")
    _duplicates(problems, spec.papers, "key", ("papers",), "paper")
    _duplicates(problems, spec.feedback_questions, "key", ("feedback_questions",), "question")
    _duplicates(problems, spec.letters, "letter", ("letters",), "letter")
    _duplicates(problems, spec.letters, "min", ("letters",), "minimum")

    categories = {category.key for category in spec.categories}
    known_categories = ", ".join(sorted(categories)) or "none defined"

    presentation_dates: Counter = Counter()
    for w, week in enumerate(spec.weeks):
        end = week.starts + dt.timedelta(days=6)
        for m, meeting in enumerate(week.meetings):
            if not week.starts <= meeting.date <= end:
                problems.add(
                    ("weeks", w, "meetings", m, "date"),
                    f"{meeting.date} is outside week {week.number} ({week.starts} to {end})",
                )
            if meeting.kind == "presentation":
                presentation_dates[meeting.date] += 1
    for w, week in enumerate(spec.weeks):
        for m, meeting in enumerate(week.meetings):
            if meeting.kind == "presentation" and presentation_dates[meeting.date] > 1:
                problems.add(
                    ("weeks", w, "meetings", m, "date"),
                    f"two presentation meetings on {meeting.date}; a session needs one",
                )
                presentation_dates[meeting.date] = 1  # report the clash once

    session_dates: dict[dt.date, int] = {}
    for s, session in enumerate(spec.sessions):
        if session.category not in categories:
            problems.add(
                ("sessions", s, "category"),
                f"unknown category {session.category!r} (known: {known_categories})",
            )
        if session.date not in presentation_dates:
            problems.add(
                ("sessions", s, "date"),
                f"no meeting of kind presentation on {session.date} in weeks",
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

    for p, paper in enumerate(spec.papers):
        if paper.category not in categories:
            problems.add(
                ("papers", p, "category"),
                f"unknown category {paper.category!r} (known: {known_categories})",
            )

    _check_rubric(spec, problems)


def _check_rubric(spec: CourseSpec, problems: _Problems) -> None:
    questions = {question.key for question in spec.feedback_questions}
    first_key: dict[str, tuple] = {}
    leaf_total = Decimal(0)
    for loc, key, node in spec.rubric():
        if key in first_key:
            problems.add(
                (*loc, "key") if loc[-2] == "children" else loc,
                f"duplicate criterion key {key!r} (first at {format_location(first_key[key])})",
            )
        else:
            first_key[key] = loc

        if node.peer_share is not None and not 0 <= node.peer_share <= 1:
            problems.add((*loc, "peer_share"), f"{node.peer_share} is outside [0, 1]")

        if node.children:
            children_sum = sum((child.points for child in node.children), Decimal(0))
            if children_sum != node.points:
                problems.add(
                    (*loc, "points"),
                    f"{node.points:g} points, but its children add up to {children_sum:g}",
                )
            for field in ("source", "peer_share"):
                if getattr(node, field) is not None:
                    problems.add((*loc, field), "only a leaf (a node without children) has one")
            if node.questions:
                problems.add((*loc, "questions"), "only a leaf (a node without children) has any")
            continue

        leaf_total += node.points
        if node.source is None:
            problems.add((*loc, "source"), "a leaf needs a source: " + ", ".join(Source.__args__))
            continue
        if node.source == "blend" and node.peer_share is None:
            problems.add((*loc, "peer_share"), "a blend leaf needs a peer_share in [0, 1]")
        if node.source != "blend" and node.peer_share is not None:
            problems.add((*loc, "peer_share"), "only a blend leaf has a peer_share")
        if node.source in ("peer", "blend"):
            if not node.questions:
                problems.add(
                    (*loc, "questions"),
                    f"a {node.source} leaf needs at least one feedback question",
                )
        elif node.questions:
            problems.add((*loc, "questions"), f"a {node.source} leaf takes no feedback questions")
        for q, question in enumerate(node.questions):
            if question not in questions:
                problems.add(
                    (*loc, "questions", q),
                    f"unknown feedback question {question!r} "
                    f"(known: {', '.join(sorted(questions)) or 'none defined'})",
                )

    if spec.grading and leaf_total != spec.course.total_points:
        problems.add(
            ("grading",),
            f"the leaves add up to {leaf_total:g} points, "
            f"but course.total_points is {spec.course.total_points:g}",
        )
