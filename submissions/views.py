"""Submission pages: a student's deliverables and hand-ins, staff lists, extensions,
waivers, ZIP downloads, teams, and the permission-checked file download."""

import shutil
import tempfile
import zipfile

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from courseapp.audit import Via
from courseapp.dates import format_moment
from courseapp.errors import DomainError
from courseapp.models import STAFF_ROLES, Enrollment, Role
from courseapp.pages import course_view, refusal_as_message
from submissions import services
from submissions.forms import (
    ExtensionForm,
    TeamCreateForm,
    TeamInviteForm,
    TeamsImportForm,
    UploadForm,
    WaiverForm,
    teams_csv_text,
)
from submissions.models import (
    FILE_TYPES,
    Deliverable,
    PenaltyWaiver,
    Submission,
    Team,
    TeamInvite,
    TeamMembership,
)
from submissions.selectors import (
    can_read_submission,
    deliverable_handins,
    handin_for,
    student_deliverables,
)

STAFF = list(STAFF_ROLES)
MEMBERS = [Role.STUDENT, *STAFF]


def _enrollment(course, user) -> Enrollment:
    return Enrollment.objects.select_related("user").get(course=course, user=user)


@course_view(roles=MEMBERS)
def deliverable_list(request, course, role):
    if role == Role.STUDENT:
        mine = student_deliverables(course=course, enrollment=_enrollment(course, request.user))
        return render(
            request,
            "submissions/my_deliverables.html",
            {"course": course, "mine": mine, "now": timezone.now()},
        )
    deliverables = list(Deliverable.objects.for_course(course).visible())
    return render(
        request,
        "submissions/staff_deliverables.html",
        {"course": course, "deliverables": deliverables, "role": role},
    )


def _deliverable(course, key: str) -> Deliverable:
    return get_object_or_404(Deliverable.objects.for_course(course), key=key)


@course_view(roles=MEMBERS)
def deliverable_detail(request, course, role, key):
    deliverable = _deliverable(course, key)
    if role != Role.STUDENT:
        return _staff_detail(request, course, role, deliverable)
    enrollment = _enrollment(course, request.user)
    form = UploadForm()
    status = 200
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                receipt = services.submission_upload(
                    deliverable=deliverable,
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    text=form.cleaned_data["text"],
                    via=Via.PAGE,
                )
            except ValidationError as error:
                for field, errors in getattr(error, "message_dict", {"": error.messages}).items():
                    form.add_error(field if field in form.fields else None, errors)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                version = receipt.submission.version
                messages.success(request, f"Version {version} handed in. Your receipt is below.")
                return redirect(
                    f"{reverse('submissions:deliverable', args=[course.code, key])}"
                    f"?receipt={receipt.submission.pk}#receipt"
                )
        status = 400
    handin = handin_for(deliverable=deliverable, enrollment=enrollment)
    receipt = None
    wanted = request.GET.get("receipt", "")
    if wanted.isdigit():
        receipt = next((v for v in handin.versions if v.pk == int(wanted)), None)
    return render(
        request,
        "submissions/deliverable.html",
        {
            "course": course,
            "deliverable": deliverable,
            "handin": handin,
            "form": form,
            "receipt": receipt or handin.latest,
            "just_submitted": receipt is not None,
            "now": timezone.now(),
            "needs_team": deliverable.team
            and not TeamMembership.objects.filter(course=course, student=enrollment).exists(),
        },
        status=status,
    )


def _owner_choices(deliverable: Deliverable, rows) -> list[tuple[str, str]]:
    if deliverable.team:
        return [(f"t{owner.team.pk}", owner.team.name) for owner, _, _ in rows]
    return [
        (
            f"s{owner.student.pk}",
            f"{owner.student.user.get_full_name() or owner.student.user.get_username()} "
            f"({owner.student.student_id or owner.student.user.get_username()})",
        )
        for owner, _, _ in rows
    ]


def _staff_detail(request, course, role, deliverable, *, extension_form=None, status=200):
    rows = deliverable_handins(deliverable=deliverable)
    form = extension_form or ExtensionForm()
    form.fields["owner"].choices = _owner_choices(deliverable, rows)
    return render(
        request,
        "submissions/staff_deliverable.html",
        {
            "course": course,
            "role": role,
            "deliverable": deliverable,
            "rows": rows,
            "extension_form": form,
            "handed_in": sum(1 for _, _, handin in rows if handin.versions),
            "waived": set(
                PenaltyWaiver.objects.filter(deliverable=deliverable).values_list(
                    "student_id", flat=True
                )
            ),
        },
        status=status,
    )


@course_view(roles=STAFF)
def extension_grant(request, course, role, key):
    deliverable = _deliverable(course, key)
    if request.method != "POST":
        return redirect("submissions:deliverable", course.code, key)
    rows = deliverable_handins(deliverable=deliverable)
    form = ExtensionForm(request.POST)
    form.fields["owner"].choices = _owner_choices(deliverable, rows)
    if form.is_valid():
        owner = form.cleaned_data["owner"]
        due = form.cleaned_data["due"]
        if timezone.is_naive(due):
            due = timezone.make_aware(due, course.tzinfo)
        student = team = None
        if owner.startswith("t"):
            team = Team.objects.for_course(course).get(pk=int(owner[1:]))
        else:
            student = Enrollment.objects.for_course(course).get(pk=int(owner[1:]))
        try:
            services.extension_grant(
                deliverable=deliverable,
                due=due,
                reason=form.cleaned_data["reason"],
                actor=request.user,
                via=Via.PAGE,
                student=student,
                team=team,
            )
        except ValidationError as error:
            for field, errors in getattr(error, "message_dict", {"": error.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Extension granted until {format_moment(due, course)}.")
            return redirect("submissions:deliverable", course.code, key)
    return _staff_detail(request, course, role, deliverable, extension_form=form, status=400)


@course_view(roles=[Role.INSTRUCTOR])
def penalty_waive(request, course, role, key):
    deliverable = _deliverable(course, key)
    if request.method == "POST":
        form = WaiverForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Give the reason the penalty is waived.")
        else:
            student = (
                Enrollment.objects.for_course(course)
                .filter(pk=form.cleaned_data["student"])
                .first()
            )
            if student is None:
                raise Http404("No such student.")
            with refusal_as_message(request):
                services.penalty_waive(
                    deliverable=deliverable,
                    student=student,
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    via=Via.PAGE,
                )
                messages.success(request, f"Late penalty waived for {student.user.get_username()}.")
    after = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        after, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        after = reverse("submissions:deliverable", args=[course.code, key])
    return redirect(after)


def _zip_name(owner, members, submission: Submission) -> str:
    if owner.team is not None:
        ids = "-".join(m.student_id or m.user.get_username() for m in members) or "team"
        stem = f"{owner.team.name}_{ids}"
    else:
        student = owner.student
        stem = student.student_id or student.user.get_username()
    stem = services.safe_file_name(stem).replace(" ", "_")
    kind = FILE_TYPES.get(submission.file_type) if submission.file else None
    return f"{stem}_v{submission.version}.{kind.extension if kind else 'txt'}"


@course_view(roles=STAFF)
def deliverable_zip(request, course, role, key):
    """Every owner's counted version as one ZIP, files named by student id."""
    deliverable = _deliverable(course, key)
    # A class's reports can run to hundreds of megabytes: the archive is built in a
    # temporary file (in memory while small), not in one string.
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - the response closes it
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for owner, members, handin in deliverable_handins(deliverable=deliverable):
            submission = handin.counted
            if submission is None:
                continue
            name = _zip_name(owner, members, submission)
            if submission.file:
                try:
                    with submission.file.open("rb") as handle, archive.open(name, "w") as out:
                        shutil.copyfileobj(handle, out, 1024 * 1024)
                except FileNotFoundError:
                    archive.writestr(f"{name}.missing.txt", "The file is missing from storage.")
            else:
                archive.writestr(name, submission.text)
    spool.seek(0)
    return FileResponse(
        spool,
        as_attachment=True,
        filename=f"{course.code}-{key}.zip",
        content_type="application/zip",
    )


@course_view(roles=MEMBERS)
def submission_file(request, course, role, submission_id):
    """A submitted file, to its owner (or team) and the course's staff; 404 to anyone else."""
    submission = (
        Submission.objects.for_course(course)
        .select_related("deliverable", "course", "student")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or not can_read_submission(user=request.user, submission=submission):
        raise Http404("No such file.")
    if submission.file:
        try:
            handle = submission.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file is missing from storage.") from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=submission.download_name(),
            content_type=submission.content_type,
        )
    else:
        response = HttpResponse(submission.text, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{submission.deliverable.key}-v{submission.version}.txt"'
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- teams --------------------------------------------------------------------------------


@course_view(roles=MEMBERS)
def teams(request, course, role):
    if role != Role.STUDENT:
        return _staff_teams(request, course, role)
    enrollment = _enrollment(course, request.user)
    if request.method == "POST":
        action = request.POST.get("action", "")
        with refusal_as_message(request):
            if action == "create":
                form = TeamCreateForm(request.POST)
                if form.is_valid():
                    team = services.team_create(
                        course=course,
                        user=request.user,
                        name=form.cleaned_data["name"],
                        via=Via.PAGE,
                    )
                    messages.success(request, f"Team {team.name} formed; invite your teammates.")
                else:
                    messages.error(request, "Give the team a name of at most 100 characters.")
            elif action == "invite":
                form = TeamInviteForm(request.POST)
                membership = TeamMembership.objects.filter(
                    course=course, student=enrollment
                ).first()
                if membership is None:
                    messages.error(request, "Form a team before inviting anyone.")
                elif form.is_valid():
                    services.team_invite(
                        team=membership.team,
                        user=request.user,
                        username=form.cleaned_data["username"],
                        via=Via.PAGE,
                    )
                    messages.success(request, f"{form.cleaned_data['username']} is invited.")
                else:
                    messages.error(request, "Give the username of the student to invite.")
            elif action == "accept":
                invite = (
                    TeamInvite.objects.filter(
                        course=course, student=enrollment, pk=request.POST.get("invite") or 0
                    ).first()
                    if (request.POST.get("invite") or "").isdigit()
                    else None
                )
                if invite is None:
                    messages.error(request, "That invitation is no longer open.")
                else:
                    services.team_accept(invite=invite, user=request.user, via=Via.PAGE)
                    messages.success(request, f"You joined {invite.team.name}.")
            elif action == "leave":
                services.team_leave(course=course, user=request.user, via=Via.PAGE)
                messages.success(request, "You left your team.")
            else:
                messages.error(request, "Unknown action.")
        return redirect("submissions:teams", course.code)
    membership = (
        TeamMembership.objects.filter(course=course, student=enrollment)
        .select_related("team")
        .first()
    )
    members = (
        list(TeamMembership.objects.filter(team=membership.team).select_related("student__user"))
        if membership
        else []
    )
    invites = list(
        TeamInvite.objects.filter(course=course, student=enrollment).select_related("team")
    )
    return render(
        request,
        "submissions/my_team.html",
        {
            "course": course,
            "membership": membership,
            "members": members,
            "invites": invites,
            "create_form": TeamCreateForm(),
            "invite_form": TeamInviteForm(),
            "open": course.teams_close_at is None or timezone.now() < course.teams_close_at,
        },
    )


def _staff_teams(request, course, role):
    form = TeamsImportForm()
    status = 200
    if request.method == "POST":
        if role != Role.INSTRUCTOR:
            messages.error(request, "Only an instructor sets teams.")
            return redirect("submissions:teams", course.code)
        form = TeamsImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                text = teams_csv_text(form.cleaned_data["csv_file"])
                result = services.teams_import(
                    course=course, csv_text=text, actor=request.user, via=Via.PAGE
                )
            except ValidationError as error:
                form.add_error("csv_file", error.messages)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, f"Teams set: {result.members} students in {result.teams} teams."
                )
                return redirect("submissions:teams", course.code)
        status = 400
    all_teams = list(Team.objects.for_course(course).prefetch_related("memberships__student__user"))
    return render(
        request,
        "submissions/staff_teams.html",
        {"course": course, "role": role, "teams": all_teams, "form": form},
        status=status,
    )
