"""The numbers behind the statistics page: distributions of the parts and the total, and the
class's progress with sign-ups and feedback. Histograms are drawn as SVG on the server (the
template gets the bars' coordinates), so the page needs no chart library and no script.
"""

import datetime as dt
import statistics as stats
from dataclasses import dataclass, field
from decimal import Decimal

from courseapp.models import Course
from grading.points import round_points
from grading.selectors import gradebook_rows

BINS = 10
WIDTH, HEIGHT, BASE = 320, 140, 120  # the drawing; bars stand on y = BASE


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int
    low: Decimal
    high: Decimal

    @property
    def label(self) -> str:
        return f"{self.low:g} to {self.high:g}: {self.count}"


@dataclass
class Distribution:
    key: str
    name: str
    possible: Decimal
    values: list[Decimal]
    missing: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.values)

    @property
    def mean(self) -> Decimal | None:
        return round_points(sum(self.values) / len(self.values)) if self.values else None

    @property
    def median(self) -> Decimal | None:
        return round_points(stats.median(self.values)) if self.values else None

    @property
    def minimum(self) -> Decimal | None:
        return min(self.values) if self.values else None

    @property
    def maximum(self) -> Decimal | None:
        return max(self.values) if self.values else None

    @property
    def axis(self) -> list[tuple[float, str]]:
        """Tick positions and labels under the bars: 0, half, all the points."""
        return [
            (0, "0"),
            (WIDTH / 2, f"{self.possible / 2:g}"),
            (WIDTH, f"{self.possible:g}"),
        ]


def histogram(values: list[Decimal], possible: Decimal, bins: int = BINS) -> list[Bar]:
    """`bins` equal ranges from 0 to `possible` (the last one closed), scaled to the tallest."""
    counts = [0] * bins
    for value in values:
        index = int(value / possible * bins) if possible else 0
        counts[min(max(index, 0), bins - 1)] += 1
    tallest = max(counts) or 1
    width = WIDTH / bins
    step = possible / bins if possible else Decimal(0)
    bars = []
    for index, count in enumerate(counts):
        height = (BASE - 10) * count / tallest
        bars.append(
            Bar(
                x=round(index * width + 1, 2),
                y=round(BASE - height, 2),
                width=round(width - 2, 2),
                height=round(height, 2),
                count=count,
                low=round_points(step * index).normalize(),
                high=round_points(step * (index + 1)).normalize(),
            )
        )
    return bars


@dataclass
class Progress:
    label: str
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class CourseStatistics:
    distributions: list[Distribution]
    progress: list[Progress]
    students: int
    feedback_available: bool
    width: int = WIDTH
    height: int = HEIGHT
    base: int = BASE


def course_statistics(*, course: Course, now: dt.datetime) -> CourseStatistics:
    """Final points of each part and of the course over the active students (a student with
    a leaf not yet graded counts as missing in that part), and the progress of sign-ups and
    feedback. The gradebook's fixed number of queries."""
    book = gradebook_rows(course=course, include_withdrawn=False)
    distributions = []
    for part in book.parts:
        totals = [row.parts[part.key] for row in book.rows]
        done = [total.final for total in totals if not total.missing]
        distributions.append(
            Distribution(
                key=part.key,
                name=part.name,
                possible=part.points,
                values=done,
                missing=len(totals) - len(done),
            )
        )
    complete = [row.total.final for row in book.rows if not row.total.missing]
    distributions.append(
        Distribution(
            key="total",
            name="Course total",
            possible=course.total_points,
            values=complete,
            missing=len(book.rows) - len(complete),
        )
    )
    for distribution in distributions:
        distribution.bars = histogram(distribution.values, distribution.possible)

    students = len(book.rows)
    booked = sum(
        1
        for row in book.rows
        if row.talks
        and all(talk.session_id is not None for talk in row.talks)
        and len(row.talks) >= course.talks_for(row.enrollment)
    )
    progress = [Progress("Students with every talk booked", booked, students)]
    credits = [book.feedback.credit.get(row.enrollment.pk) for row in book.rows]
    credits = [credit for credit in credits if credit is not None]
    if credits:
        progress.append(
            Progress(
                "Feedback given in time (of feedback owed)",
                sum(credit.given_in_time for credit in credits),
                sum(credit.owed for credit in credits),
            )
        )
    return CourseStatistics(
        distributions=distributions,
        progress=progress,
        students=students,
        feedback_available=book.feedback_available,
    )
