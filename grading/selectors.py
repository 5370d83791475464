"""Reads of grading: the rubric tree, the letter scale, the gradebook and what feeds it."""

from dataclasses import dataclass, field
from decimal import Decimal

from courseapp.dates import format_day
from courseapp.models import Course, Enrollment
from grading.compute import (
    LeafScore,
    LeafSpec,
    Node,
    Total,
    leaf_score,
    letter_for,
    node_total,
    sum_totals,
)
from grading.feedback import FeedbackData, feedback_available, feedback_data
from grading.models import Criterion, LetterGrade, Release, Score
from presentations.models import FeedbackQuestion, Presentation
from submissions.selectors import GradingInputs, HandinLine, grading_inputs


def _percent(share: Decimal) -> str:
    return f"{(share * 100).normalize():f}"


@dataclass
class RubricNode:
    criterion: Criterion
    children: list["RubricNode"]

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def source_label(self) -> str:
        """Where a leaf's score comes from, in words a student understands."""
        criterion = self.criterion
        match criterion.source:
            case Criterion.Source.INSTRUCTOR:
                return "Instructor"
            case Criterion.Source.PEER:
                return "Peer feedback"
            case Criterion.Source.BLEND:
                share = criterion.peer_share or Decimal(0)
                return (
                    f"{_percent(share)}% peer feedback, {_percent(Decimal(1) - share)}% instructor"
                )
            case Criterion.Source.FEEDBACK_GIVEN:
                return "Feedback given"
            case Criterion.Source.RESPONSES:
                return "Responses handed in"
        return ""


def rubric_tree(*, course: Course) -> list[RubricNode]:
    """The grading scheme as a tree of parts and their children (one query)."""
    criteria = list(Criterion.objects.for_course(course).order_by("position", "pk"))
    nodes = {criterion.pk: RubricNode(criterion=criterion, children=[]) for criterion in criteria}
    roots = []
    for criterion in criteria:
        node = nodes[criterion.pk]
        if criterion.parent_id is None:
            roots.append(node)
        else:
            nodes[criterion.parent_id].children.append(node)
    return roots


def letter_scale(*, course: Course) -> list[LetterGrade]:
    return list(LetterGrade.objects.filter(course=course).order_by("-min_percent"))


# --- the gradebook ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """A leaf of the rubric as a gradebook column."""

    criterion: Criterion
    part: Criterion
    spec: LeafSpec

    @property
    def key(self) -> str:
        return self.criterion.key

    @property
    def points(self) -> Decimal:
        return self.criterion.points

    @property
    def source(self) -> str:
        return self.criterion.source

    @property
    def takes_entry(self) -> bool:
        return self.criterion.takes_entry


@dataclass
class TalkInfo:
    presentation_id: int
    number: int
    paper: str
    category: str
    session_id: int | None
    slot: str


@dataclass
class GradebookRow:
    """One student's line of the gradebook."""

    enrollment: Enrollment
    talks: list[TalkInfo]
    leaves: dict[str, LeafScore]
    scores: dict[str, Score]
    parts: dict[str, Total]
    total: Total
    letter: str
    # Leaves fed by a deliverable: the student's (or team's) hand-in behind each.
    handins: dict[str, HandinLine] = field(default_factory=dict)

    @property
    def user(self):
        return self.enrollment.user

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def last_first(self) -> str:
        """`Liddell, Alice`, as Canvas names students."""
        user = self.user
        if user.last_name and user.first_name:
            return f"{user.last_name}, {user.first_name}"
        return user.last_name or user.first_name or user.get_username()

    @property
    def withdrawn(self) -> bool:
        return self.enrollment.is_withdrawn

    @property
    def too_few_reviews(self) -> bool:
        return any(leaf.too_few_reviews for leaf in self.leaves.values())

    @property
    def overridden(self) -> bool:
        return any(leaf.overridden for leaf in self.leaves.values())

    @property
    def late_penalty(self) -> bool:
        """A leaf's value is net of a late penalty (the export's flag)."""
        return any(leaf.penalty for leaf in self.leaves.values())

    @property
    def papers(self) -> str:
        return "; ".join(talk.paper for talk in self.talks if talk.paper)

    @property
    def slots(self) -> str:
        return "; ".join(talk.slot for talk in self.talks if talk.slot)


@dataclass
class Gradebook:
    course: Course
    parts: list[Criterion]
    columns: list[Column]
    nodes: list[Node]
    letters: list[tuple[str, Decimal]]
    released: set[str]
    rows: list[GradebookRow]
    criteria: dict[str, Criterion]
    feedback: FeedbackData
    feedback_available: bool = True
    submissions: GradingInputs = field(default_factory=GradingInputs)

    def columns_of(self, part: Criterion) -> list[Column]:
        return [column for column in self.columns if column.part.pk == part.pk]

    @property
    def has_letters(self) -> bool:
        return bool(self.letters)


def _slot_text(slot) -> str:
    if slot is None:
        return ""
    meeting = slot.meeting
    time = f", {slot.starts_at:%H:%M}" if slot.starts_at else ""
    return (
        f"session {meeting.session_number} slot {slot.position} ({format_day(meeting.date)}{time})"
    )


def _node(criterion: Criterion, children: dict[int | None, list[Criterion]]) -> Node:
    return Node(
        key=criterion.key,
        points=criterion.points,
        children=tuple(_node(child, children) for child in children.get(criterion.pk, [])),
        drop_lowest=criterion.drop_lowest,
    )


def gradebook_rows(
    *,
    course: Course,
    include_withdrawn: bool = True,
    students: list[int] | None = None,
    section: str = "",
    session: int | None = None,
    category: str = "",
) -> Gradebook:
    """Every student's scores, computed leaves, part and course totals and letter.

    A fixed number of queries whatever the size of the class: the rubric (two), the letter
    scale, the releases, the students, their scores, their talks, the three feedback
    selectors, and the submissions' (deliverables, teams, extensions, waivers, versions).
    `students` limits it to those enrolment ids (a student's own page); `section`,
    `session` (a presentation meeting's id) and `category` (a key) filter the rows as the
    grade grid does.
    """
    criteria = list(
        Criterion.objects.for_course(course)
        .prefetch_related("feedback_questions")
        .order_by("position", "pk")
    )
    children: dict[int | None, list[Criterion]] = {}
    for criterion in criteria:
        children.setdefault(criterion.parent_id, []).append(criterion)
    parts = children.get(None, [])
    columns: list[Column] = []

    def collect(criterion: Criterion, part: Criterion) -> None:
        below = children.get(criterion.pk)
        if not below:
            spec = LeafSpec(
                key=criterion.key,
                points=criterion.points,
                source=criterion.source,
                peer_share=criterion.peer_share,
                question_keys=tuple(sorted(q.key for q in criterion.feedback_questions.all())),
            )
            columns.append(Column(criterion=criterion, part=part, spec=spec))
            return
        for child in below:
            collect(child, part)

    for part in parts:
        collect(part, part)
    nodes = [_node(part, children) for part in parts]
    letters = [
        (letter.letter, letter.min_percent)
        for letter in LetterGrade.objects.filter(course=course).order_by("-min_percent")
    ]
    released = set(
        Release.objects.for_course(course).values_list("part__key", flat=True).order_by()
    )

    enrollments = (
        Enrollment.objects.for_course(course)
        .students()
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    if not include_withdrawn:
        enrollments = enrollments.active()
    if students is not None:
        enrollments = enrollments.filter(pk__in=students)
    if section:
        enrollments = enrollments.filter(section=section)
    enrollments = list(enrollments)
    ids = [enrollment.pk for enrollment in enrollments]
    scores: dict[int, dict[str, Score]] = {}
    score_rows = Score.objects.for_course(course)
    if students is not None or section:
        score_rows = score_rows.filter(student__in=ids)
    keys = {criterion.pk: criterion.key for criterion in criteria}
    for score in score_rows:
        scores.setdefault(score.student_id, {})[keys[score.criterion_id]] = score
    talks: dict[int, list[TalkInfo]] = {}
    talk_rows = (
        Presentation.objects.for_course(course)
        .select_related("paper__category", "slot__meeting", "slot__category")
        .order_by("student_id", "number")
    )
    if students is not None or section:
        talk_rows = talk_rows.filter(student__in=ids)
    for talk in talk_rows:
        category_key = (
            talk.paper.category.key
            if talk.paper_id
            else (talk.slot.category.key if talk.slot_id and talk.slot.category_id else "")
        )
        talks.setdefault(talk.student_id, []).append(
            TalkInfo(
                presentation_id=talk.pk,
                number=talk.number,
                paper=talk.paper.title if talk.paper_id else "",
                category=category_key,
                session_id=talk.slot.meeting_id if talk.slot_id else None,
                slot=_slot_text(talk.slot) if talk.slot_id else "",
            )
        )
    feedback = feedback_data(course=course)
    submitted = grading_inputs(course=course, students=ids)

    rows = []
    for enrollment in enrollments:
        enrollment.course = course
        mine = talks.get(enrollment.pk, [])
        if session is not None and not any(talk.session_id == session for talk in mine):
            continue
        if category and not any(talk.category == category for talk in mine):
            continue
        given = [
            (talk.presentation_id, feedback.aggregates.get(talk.presentation_id))
            for talk in mine
            if talk.session_id is not None
        ]
        own = scores.get(enrollment.pk, {})
        handins = submitted.lines.get(enrollment.pk, {})
        responses = submitted.responses.get(enrollment.pk, {})
        leaves = {}
        for column in columns:
            score = own.get(column.key)
            handin = handins.get(column.key)
            leaves[column.key] = leaf_score(
                column.spec,
                entered=score.points if score is not None else None,
                override=score.override if score is not None else None,
                talks=given,
                staff=feedback.staff,
                credit=feedback.credit.get(enrollment.pk),
                min_reviews=course.min_reviews,
                rule=course.multi_talk_rule,
                penalty_share=handin.penalty_share if handin is not None else None,
                waived=handin is not None and handin.waiver is not None,
                responses=responses.get(column.key),
            )
        values = {key: leaf.value for key, leaf in leaves.items()}
        part_totals = {node.key: node_total(node, values) for node in nodes}
        total = sum_totals(part_totals.values())
        rows.append(
            GradebookRow(
                enrollment=enrollment,
                talks=mine,
                leaves=leaves,
                scores=own,
                parts=part_totals,
                total=total,
                letter=letter_for(total.final_percent, letters),
                handins=handins,
            )
        )
    return Gradebook(
        course=course,
        parts=parts,
        columns=columns,
        nodes=nodes,
        letters=letters,
        released=released,
        rows=rows,
        criteria={criterion.key: criterion for criterion in criteria},
        feedback=feedback,
        feedback_available=feedback_available(),
        submissions=submitted,
    )


# --- a student's own grades ---------------------------------------------------------------


@dataclass
class CriterionLine:
    """One criterion as the student sees it: earned (None: not graded) out of possible."""

    criterion: Criterion
    depth: int
    earned: Decimal | None
    possible: Decimal
    is_leaf: bool
    overridden: bool = False
    comment: str = ""
    dropped: bool = False
    late_penalty: Decimal | None = None  # points taken off for late work


@dataclass
class ReleasedPart:
    part: Criterion
    lines: list[CriterionLine]
    total: Total


@dataclass
class QuestionSummary:
    key: str
    label: str
    reviews: int
    aggregate: Decimal | None
    scale: str


@dataclass
class StudentGrades:
    enrollment: Enrollment
    parts: list[ReleasedPart]
    unreleased: list[Criterion]
    total: Total | None
    letter: str
    feedback: list[QuestionSummary]

    @property
    def all_released(self) -> bool:
        return not self.unreleased


def student_grades(*, course: Course, enrollment: Enrollment) -> StudentGrades:
    """The student's released parts, criterion by criterion, with totals and, once every
    part is out, the letter; and the summary of the peer feedback on their talks (aggregates
    only, never who said what). Nothing of an unreleased part."""
    gradebook = gradebook_rows(course=course, students=[enrollment.pk])
    row = gradebook.rows[0] if gradebook.rows else None
    released_parts = [part for part in gradebook.parts if part.key in gradebook.released]
    unreleased = [part for part in gradebook.parts if part.key not in gradebook.released]
    by_key = gradebook.criteria
    parts = []
    if row is not None:
        values = {key: leaf.value for key, leaf in row.leaves.items()}
        for part, node in zip(gradebook.parts, gradebook.nodes, strict=True):
            if part.key not in gradebook.released:
                continue
            lines: list[CriterionLine] = []
            total = row.parts[part.key]
            dropped = frozenset(total.dropped)
            for child in node.children or (node,):
                _criterion_lines(
                    child, 0, dropped, row=row, values=values, by_key=by_key, out=lines
                )
            parts.append(ReleasedPart(part=part, lines=lines, total=total))
    total = sum_totals(part.total for part in parts) if parts else None
    letter = row.letter if row is not None and not unreleased and released_parts else ""
    return StudentGrades(
        enrollment=enrollment,
        parts=parts,
        unreleased=unreleased,
        total=total,
        letter=letter,
        feedback=_feedback_summary(course=course, row=row, feedback=gradebook.feedback),
    )


def _criterion_lines(
    node: Node,
    depth: int,
    dropped: frozenset[str],
    *,
    row: GradebookRow,
    values: dict,
    by_key: dict[str, Criterion],
    out: list[CriterionLine],
) -> None:
    criterion = by_key[node.key]
    if node.children:
        sub = node_total(node, values)
        out.append(
            CriterionLine(
                criterion=criterion,
                depth=depth,
                earned=sub.final if sub.graded else None,
                possible=sub.possible,
                is_leaf=False,
                dropped=node.key in dropped,
            )
        )
        for child in node.children:
            _criterion_lines(
                child, depth + 1, dropped, row=row, values=values, by_key=by_key, out=out
            )
        return
    leaf = row.leaves[node.key]
    score = row.scores.get(node.key)
    out.append(
        CriterionLine(
            criterion=criterion,
            depth=depth,
            earned=leaf.value,
            possible=node.points,
            is_leaf=True,
            overridden=leaf.overridden,
            comment=score.comment if score is not None else "",
            dropped=node.key in dropped,
            late_penalty=leaf.penalty or None,
        )
    )


def _feedback_summary(*, course: Course, row, feedback: FeedbackData) -> list[QuestionSummary]:
    """The peer feedback on the student's talks, per question: the number of reviews and the
    aggregate, once the feedback is released to its presenter. No reviewer is named."""
    if row is None or not feedback.aggregates:
        return []
    questions = {q.key: q for q in FeedbackQuestion.objects.for_course(course)}
    summary = []
    for talk in row.talks:
        aggregate = feedback.aggregates.get(talk.presentation_id)
        if aggregate is None or not getattr(aggregate, "released", False):
            continue
        for key, question in aggregate.questions.items():
            known = questions.get(key)
            summary.append(
                QuestionSummary(
                    key=key,
                    label=known.label if known else key,
                    reviews=question.n,
                    aggregate=question.aggregate,
                    scale=f"{known.scale_min}–{known.scale_max}" if known else "",
                )
            )
    return summary
