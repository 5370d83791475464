"""The admin: every course model, scoped to the courses a staff user teaches.

Superusers see every course. An instructor (staff through
`courseapp.enrollments.admin_access_sync`) sees and edits only the rows of the courses they
teach: lists, the choices of every related
field, list filters and object pages (another course's object is a 404). TAs and students
are not admin staff. The mixins here are used by the admin of every app with course data.
"""

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from rest_framework.authtoken.admin import TokenAdmin

from courseapp.accounts import credentials_revoke, password_reset_email_send
from courseapp.admin_actions import ReasonActionsMixin
from courseapp.admin_coursefile import CourseFileAdminMixin
from courseapp.admin_roster import RosterImportAdminMixin
from courseapp.audit import Via
from courseapp.dates import format_moment
from courseapp.enrollments import (
    enrollment_create,
    enrollment_reinstate,
    enrollment_update,
    enrollment_withdraw,
)
from courseapp.errors import DomainError
from courseapp.forms import CourseScopedModelForm
from courseapp.models import AuditEntry, Course, Enrollment, Role
from courseapp.permissions import courses_taught_by, role_in
from courseapp.selectors import course_file_current
from grading.admin_course import GradingAdminMixin
from grading.exporters import CSVExporter
from grading.selectors import gradebook_rows
from grading.views import export_response
from presentations.admin_assignment import PaperAssignmentAdminMixin

admin.site.site_header = "courseapp administration"
admin.site.site_title = "courseapp admin"
# The sidebar repeats the admin home's list of models and takes a quarter of a 1280-pixel
# screen, which the lists of course data need (they fit beside their filters without it).
admin.site.enable_nav_sidebar = False
# DRF's token list ties its search box to the words "Username" by aria-describedby alone,
# which axe reports (label-title-only); the box searches by username all the same.
TokenAdmin.search_help_text = None
# Django's two-box widget names its search icons with aria-label on a <span> (axe's
# aria-prohibited-attr): the groups' permissions are a plain list, as the users' are.
GroupAdmin.filter_horizontal = ()
admin.site.index_title = "Courses you manage"


def _index_with_my_courses(index):
    """The admin's home page, with the courses the user teaches listed first."""

    def view(request, extra_context=None):
        courses = courses_taught_by(request.user).order_by("-created_at", "code")
        return index(request, {**(extra_context or {}), "my_courses": list(courses[:50])})

    return view


admin.site.index = _index_with_my_courses(admin.site.index)

User = get_user_model()


def taught_course_ids(request) -> frozenset[int] | None:
    """Ids of the courses the request's user manages in the admin; None means all of them.

    Kept on the request so that a page asks the database once, however many rows and
    fields it checks.
    """
    if request.user.is_superuser:
        return None
    ids = getattr(request, "_taught_course_ids", None)
    if ids is None:
        ids = frozenset(courses_taught_by(request.user).values_list("pk", flat=True))
        request._taught_course_ids = ids
    return ids


def course_id_of(obj) -> int | None:
    return obj.pk if isinstance(obj, Course) else getattr(obj, "course_id", None)


def _has_course(model) -> bool:
    return any(field.name == "course" for field in model._meta.concrete_fields)


def _several_courses(request) -> bool:
    ids = taught_course_ids(request)
    return ids is None or len(ids) > 1


def scoped_choices(request, model, queryset=None):
    """The rows of `model` that the user may pick in a form of course data."""
    if queryset is None:
        queryset = model._default_manager.all()
    ids = taught_course_ids(request)
    if ids is None:
        return queryset
    if model is Course:
        return queryset.filter(pk__in=ids)
    if model is User:
        return queryset.filter(enrollments__course__in=ids).distinct()
    if _has_course(model):
        return queryset.filter(course__in=ids)
    return queryset


class ValuesFilter(admin.AllValuesFieldListFilter):
    """A filter by a text column's values, whose blank value reads "(none)": a link without
    words is unnamed for a screen reader (axe's link-name)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            if choice["display"] == "":
                choice = {**choice, "display": "(none)"}
            yield choice


class CourseRelatedFilter(admin.RelatedOnlyFieldListFilter):
    """A list filter offering only related rows of the listed courses.

    Labelled with their course when several courses are listed, since two courses often
    share names ("Training", "W1").
    """

    def field_choices(self, field, request, model_admin):
        in_list = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        related = field.related_model
        queryset = related._default_manager.filter(pk__in=in_list)
        if related is Enrollment:
            # An enrolment's name is its user's and its course's: read with it, not per row.
            queryset = queryset.select_related("user", "course")
        if _has_course(related) and _several_courses(request):
            return [
                (obj.pk, f"{obj} ({obj.course.code})") for obj in queryset.select_related("course")
            ]
        return [(obj.pk, str(obj)) for obj in queryset]


class CourseChildFormSet(BaseInlineFormSet):
    """Inline rows whose course comes from their parent (a week's meetings, ...)."""

    def _parent_course_id(self):
        return course_id_of(self.instance)

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            # The column title "Delete?" is no label: each box says which row it deletes.
            row = str(form.instance) if form.instance.pk else "this new row"
            form.fields["DELETE"].widget.attrs["aria-label"] = f"Delete {row}"

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # Set before validation, so that keys unique per course are checked on the form.
        if _has_course(form.instance._meta.model) and not form.instance.course_id:
            form.instance.course_id = self._parent_course_id()
        return form

    def save_new(self, form, commit=True):
        # The parent may have been new, without a course id, when the form was built.
        if _has_course(form.instance._meta.model):
            form.instance.course_id = self._parent_course_id()
        return super().save_new(form, commit=commit)


def labelled(field: forms.Field | None) -> forms.Field | None:
    """Give each input of an admin form field its own accessible name.

    A field in a tabular inline has no <label> (its column title is a table heading), and a
    date-and-time field's two inputs share one label: axe calls all of them unlabelled.
    Choices drawn as several checkboxes or radios keep their own labels.
    """
    if field is None:
        return None
    widget = field.widget
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    name = str(field.label)
    if isinstance(widget, forms.MultiWidget):
        parts = ["date", "time"] if isinstance(widget, forms.SplitDateTimeWidget) else None
        for number, part in enumerate(widget.widgets):
            suffix = parts[number] if parts else str(number + 1)
            part.attrs.setdefault("aria-label", f"{name}: {suffix}")
    elif not isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        widget.attrs.setdefault("aria-label", name)
    return field


class LabelledFields:
    """Mix into a ModelAdmin or an inline: every input named (see `labelled`)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        return labelled(super().formfield_for_dbfield(db_field, request, **kwargs))


class _ScopedFields(LabelledFields):
    """Related-field choices limited to the courses the user teaches."""

    # A link typed without its scheme (slides, papers) is https today, and Django 6's default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def _scoped(self, db_field, request, kwargs, make_field):
        related = db_field.related_model
        queryset = kwargs.get("queryset")
        if queryset is None:
            # What Django would offer (ordered as the related admin orders it), then scoped.
            queryset = self.get_field_queryset(kwargs.get("using"), db_field, request)
        queryset = scoped_choices(request, related, queryset)
        labelled = _has_course(related) and _several_courses(request)
        if labelled:
            queryset = queryset.select_related("course")
        field = make_field(db_field, request, **{**kwargs, "queryset": queryset})
        if field is not None and labelled:
            field.label_from_instance = lambda obj: f"{obj} ({obj.course.code})"
        return field

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scoped(db_field, request, kwargs, super().formfield_for_foreignkey)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scoped(db_field, request, kwargs, super().formfield_for_manytomany)


class CourseScopedAdmin(_ScopedFields, admin.ModelAdmin):
    """A ModelAdmin of course data: rows, choices and objects of the courses taught only.

    `course_lookup` is the path from the model to its course ("pk" for Course itself).
    """

    course_lookup = "course"
    form = CourseScopedModelForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = taught_course_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.course_lookup}__in": ids})

    def get_object(self, request, object_id, from_field=None):
        # Django redirects to the index with a message when the object is not in the
        # queryset; a plain 404 says the same without suggesting the object exists.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id in the courses you manage.")
        return obj

    # Dates and times read in the course's own zone, as on its pages: a list in the zone of
    # the courses it shows (when they share one), a row's page in its course's zone.

    def changelist_view(self, request, extra_context=None):
        course_id = _row_id(request.GET.get("course__id__exact", ""))
        ids = [course_id] if course_id is not None else taught_course_ids(request)
        courses = Course.objects.all() if ids is None else Course.objects.filter(pk__in=ids)
        zones = set(courses.values_list("time_zone", flat=True).distinct()[:2])
        return _in_zone(
            zones.pop() if len(zones) == 1 else None,
            lambda: super(CourseScopedAdmin, self).changelist_view(request, extra_context),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        field = "time_zone" if self.course_lookup == "pk" else f"{self.course_lookup}__time_zone"
        row_id = _row_id(unquote(object_id))
        zone = (
            self.get_queryset(request).filter(pk=row_id).values_list(field, flat=True).first()
            if row_id is not None
            else None
        )
        return _in_zone(
            zone,
            lambda: super(CourseScopedAdmin, self).change_view(
                request, object_id, form_url, extra_context
            ),
        )

    def _in_scope(self, request, obj) -> bool:
        """Whether the user teaches obj's course (with obj None: teaches any course)."""
        ids = taught_course_ids(request)
        if ids is None:
            return True
        return bool(ids) and (obj is None or course_id_of(obj) in ids)

    def has_module_permission(self, request):
        return super().has_module_permission(request) and self._in_scope(request, None)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and self._in_scope(request, None)

    # A superuser's edit of a row the course file owns changes what the schedule shows:
    # bump the course's schedule version so that cached copies are rendered anew.

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._schedule_changed(form.instance)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._schedule_changed(obj)

    def delete_queryset(self, request, queryset):
        courses = set(queryset.values_list(self.course_lookup, flat=True))
        super().delete_queryset(request, queryset)
        for course in Course.objects.filter(pk__in=courses):
            self._schedule_changed(course)

    def _schedule_changed(self, obj) -> None:
        from courseapp.services import COURSE_FILE_MODELS, course_schedule_changed

        if type(obj) in COURSE_FILE_MODELS or isinstance(obj, Course):
            course = obj if isinstance(obj, Course) else obj.course
            course_schedule_changed(course=course)


def _row_id(text: str) -> int | None:
    """A primary key from the URL, or None for anything else (a database would refuse a
    number of 25 digits; the view itself answers those)."""
    return int(text) if text.isdigit() and int(text) < 2**63 else None


def _in_zone(zone: str | None, view):
    """The view's response, rendered in `zone` (a zone name; None: the server's)."""
    if not zone:
        return view()
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        response = view()
        # A TemplateResponse renders after the view returns: render it inside the zone.
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    return response


class CourseScopedInline(_ScopedFields):
    """Mix into a TabularInline/StackedInline of course data."""

    form = CourseScopedModelForm
    formset = CourseChildFormSet
    extra = 0
    show_change_link = True


def course_links(course: Course) -> str:
    """Links to the changelists of a course's data, filtered to that course."""
    targets = [
        ("Enrolments", "courseapp_enrollment"),
        ("Weeks", "schedule_week"),
        ("Meetings", "schedule_meeting"),
        ("Categories", "presentations_category"),
        ("Papers", "presentations_paper"),
        ("Slots", "presentations_slot"),
        ("Feedback questions", "presentations_feedbackquestion"),
        ("Rubric", "grading_criterion"),
        ("Letter grades", "grading_lettergrade"),
        ("Scores", "grading_score"),
        ("Score history", "grading_scorechange"),
        ("Audit log", "courseapp_auditentry"),
    ]
    links = format_html_join(
        " · ",
        '<a href="{}?course__id__exact={}">{}</a>',
        ((reverse(f"admin:{name}_changelist"), course.pk, label) for label, name in targets),
    )
    grid = reverse("admin:courseapp_course_grades", args=[course.pk])
    return format_html('{} · <a href="{}">Grade grid</a>', links, grid)


@admin.register(Course)
class CourseAdmin(
    CourseFileAdminMixin,
    PaperAssignmentAdminMixin,
    RosterImportAdminMixin,
    GradingAdminMixin,
    CourseScopedAdmin,
):
    course_lookup = "pk"
    actions = ["export_gradebook"]
    list_display = ("code", "title", "term", "lecturer", "schedule_public", "people", "manage")
    list_filter = ("term", "schedule_public")
    search_fields = ("code", "title", "term", "lecturer")
    readonly_fields = ("manage", "roster", "course_file", "created_at", "updated_at")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "code",
                    "title",
                    "term",
                    "lecturer",
                    "description",
                    "time_zone",
                    "schedule_public",
                    "total_points",
                )
            },
        ),
        (
            "Policies",
            {
                "description": "Times are in the course's time zone.",
                "fields": (
                    "signup_opens_at",
                    "signup_freeze_hours",
                    "feedback_window_hours",
                    "feedback_free_misses",
                    "peer_aggregate",
                    "peer_trim_fraction",
                    "min_reviews",
                    "multi_talk_rule",
                    "ta_can_grade",
                ),
            },
        ),
        (
            "Course data",
            {"fields": ("course_file", "roster", "manage", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(people_count=Count("enrollments"))

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if not request.user.is_superuser:
            # The code ties the course to its course file and its URLs.
            fields = (*fields, "code")
        return fields

    # Courses come from course files (loadcourse); deleting one deletes all its data.
    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description="Export the gradebook (CSV)", permissions=["view"])
    def export_gradebook(self, request, queryset):
        """The selected course's gradebook as CSV: the same export as everywhere else."""
        courses = list(queryset[:2])
        if len(courses) != 1:
            self.message_user(
                request, "Select one course to export its gradebook.", messages.WARNING
            )
            return None
        course = courses[0]
        if role_in(user=request.user, course=course) != Role.INSTRUCTOR:
            raise PermissionDenied("Only the course's instructors export its gradebook here.")
        return export_response(gradebook_rows(course=course), CSVExporter.identifier)

    @admin.display(description="people", ordering="people_count")
    def people(self, course: Course) -> int:
        return course.people_count

    @admin.display(description="manage")
    def manage(self, course: Course) -> str:
        return course_links(course) if course.pk else "-"

    @admin.display(description="course file")
    def course_file(self, course: Course) -> str:
        if not course.pk:
            return "-"
        current = course_file_current(course=course)
        url = reverse("admin:courseapp_course_file", args=[course.pk])
        if current is None:
            return format_html('No version kept yet · <a href="{}">Upload the file</a>', url)
        return format_html(
            'Version {}, loaded by {} at {} · <a href="{}">Versions, download, upload</a>',
            current.number,
            current.loaded_by or "a command",
            format_moment(current.loaded_at, course),
            url,
        )

    @admin.display(description="people")
    def roster(self, course: Course) -> str:
        """Counts by role, instead of a row per person: a class may have hundreds."""
        if not course.pk:
            return "-"
        counts = dict(
            Enrollment.objects.filter(course=course, status=Enrollment.Status.ACTIVE)
            .values_list("role")
            .annotate(n=Count("pk"))
        )
        withdrawn = Enrollment.objects.filter(
            course=course, status=Enrollment.Status.WITHDRAWN
        ).count()
        parts = [_people(counts.get(role.value, 0), role) for role in Role]
        if withdrawn:
            parts.append(f"{withdrawn} withdrawn")
        url = reverse("admin:courseapp_enrollment_changelist") + f"?course__id__exact={course.pk}"
        return format_html('{} · <a href="{}">Enrolments</a>', ", ".join(parts), url)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        course = self.get_object(request, unquote(object_id))
        extra_context["can_import_roster"] = role_in(user=request.user, course=course) == (
            Role.INSTRUCTOR
        )
        # The course's times read and parse in its own zone, as on its pages. The response
        # is rendered inside, since rendering happens after the view returns.
        with timezone.override(course.tzinfo):
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response


_ROLE_NOUNS = {Role.STUDENT: "student", Role.TA: "TA", Role.INSTRUCTOR: "instructor"}


def _people(count: int, role: Role) -> str:
    return f"{count} {_ROLE_NOUNS[role]}{'' if count == 1 else 's'}"


@admin.register(Enrollment)
class EnrollmentAdmin(ReasonActionsMixin, CourseScopedAdmin):
    """Enrolments: every change goes through courseapp.enrollments, audited.

    Nobody is deleted here; withdrawal (with a reason) is the way out, and it is undone by
    reinstating.
    """

    list_display = (
        "user",
        "full_name",
        "email",
        "course",
        "role",
        "student_id",
        "section",
        "status",
    )
    list_select_related = ("user", "course")
    list_filter = (
        ("course", CourseRelatedFilter),
        "role",
        "status",
        ("section", ValuesFilter),
    )
    search_fields = (
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
        "student_id",
    )
    autocomplete_fields = ("user",)
    fields = (
        "course",
        "user",
        "role",
        "student_id",
        "section",
        "status",
        "withdrawn_at",
        "withdrawal_reason",
    )
    actions = ["withdraw", "reinstate"]

    def get_readonly_fields(self, request, obj=None):
        withdrawal = ("status", "withdrawn_at", "withdrawal_reason")
        if obj is None:
            return withdrawal
        # Who and where are the enrolment's identity; a new person is a new enrolment.
        return ("course", "user", *withdrawal)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="name", ordering="user__last_name")
    def full_name(self, enrolment: Enrollment) -> str:
        return enrolment.user.get_full_name()

    @admin.display(description="email", ordering="user__email")
    def email(self, enrolment: Enrollment) -> str:
        return enrolment.user.email

    def save_model(self, request, obj, form, change):
        if not change:
            created = enrollment_create(
                user=obj.user,
                course=obj.course,
                role=obj.role,
                student_id=obj.student_id,
                section=obj.section,
                actor=request.user,
                via=Via.ADMIN,
            )
            obj.pk = created.pk
            return
        stored = Enrollment.objects.select_related("user", "course").get(pk=obj.pk)
        enrollment_update(
            enrollment=stored,
            role=obj.role,
            student_id=obj.student_id,
            section=obj.section,
            actor=request.user,
            via=Via.ADMIN,
        )

    @admin.action(
        description="Withdraw the selected people (keeps their data)", permissions=["change"]
    )
    def withdraw(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Withdraw people",
            verb="Withdraw",
            reason_required=True,
            apply=lambda enrollment, data: enrollment_withdraw(
                enrollment=enrollment, actor=request.user, via=Via.ADMIN, reason=data["reason"]
            ),
            done="withdrawn",
        )

    @admin.action(description="Reinstate the selected people", permissions=["change"])
    def reinstate(self, request, queryset):
        return self.reason_action(
            request,
            queryset,
            title="Reinstate people",
            verb="Reinstate",
            reason_required=False,
            apply=lambda enrollment, data: enrollment_reinstate(
                enrollment=enrollment, actor=request.user, via=Via.ADMIN, reason=data["reason"]
            ),
            done="reinstated",
        )


admin.site.unregister(User)


def _belongs_to_taught_courses_only(request, user) -> bool:
    ids = taught_course_ids(request)
    if ids is None:
        return True
    courses = set(Enrollment.objects.filter(user=user).values_list("course_id", flat=True))
    return bool(courses) and courses <= ids


class InstructorUserForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name", "email")


@admin.register(User)
class CourseUserAdmin(LabelledFields, UserAdmin):
    """Superusers get Django's user admin. Instructors see the people of their courses.

    No one but a superuser sets another user's password: people choose their own through an
    invitation or a password-reset e-mail. An instructor may edit the names and e-mail of a
    person who belongs to the courses they teach alone and has no admin access; the e-mail
    decides where a reset link goes, so another course's person stays out of reach.
    """

    actions = ["send_password_reset"]
    # Plain lists: Django's two-box widget names its search icons with aria-label on a
    # <span>, which axe reports (aria-prohibited-attr).
    filter_horizontal = ()
    instructor_fieldsets = (
        (None, {"fields": ("username",)}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
    )

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = taught_course_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(enrollments__course__in=ids).distinct()

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No user with this id among the people of your courses.")
        return obj

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser or obj is None:
            return super().get_fieldsets(request, obj)
        return self.instructor_fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if not request.user.is_superuser and obj is not None:
            # Django's user form declares a password field (the link to the password form);
            # an instructor's form has names and e-mail only.
            kwargs["form"] = InstructorUserForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return ("username",)

    def get_list_filter(self, request):
        if request.user.is_superuser:
            return super().get_list_filter(request)
        return ()

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        if request.user.is_superuser or obj is None:
            return True
        if obj.is_superuser or obj.is_staff:
            return False
        return _belongs_to_taught_courses_only(request, obj)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description="Send a password-reset e-mail", permissions=["view"])
    def send_password_reset(self, request, queryset):
        """Mail each selected person a link to choose a password (the queryset holds only
        people of the courses the instructor teaches)."""
        ids = taught_course_ids(request)
        courses = {
            enrolment.user_id: enrolment.course
            for enrolment in Enrollment.objects.filter(user__in=queryset)
            .filter(**({} if ids is None else {"course__in": ids}))
            .select_related("course")
            .order_by("course_id")
        }
        sent, refused = 0, []
        for user in queryset:
            try:
                with transaction.atomic():
                    password_reset_email_send(
                        user=user,
                        actor=request.user,
                        course=courses.get(user.pk),
                        via=Via.ADMIN,
                        base_url=request.build_absolute_uri("/"),
                    )
                sent += 1
            except DomainError as error:
                refused.append(error.message)
        if sent:
            self.message_user(
                request, f"Password-reset e-mail sent to {sent} people.", messages.SUCCESS
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def user_change_password(self, request, id, form_url=""):
        """Django's password form, for superusers only; a password it changes also deletes
        the user's API token."""
        # Django lets anyone who may change a user set their password; here only a
        # superuser may. Checked before the user is looked up, so the answer is the same
        # 403 whether or not the id exists.
        if not request.user.is_superuser:
            raise PermissionDenied("Only a superuser sets another person's password.")
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        before = self.get_object(request, unquote(id))
        if before is None:
            return super().user_change_password(request, id, form_url)
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            after = self.get_object(request, unquote(id))
            # A new hash, whatever the form did: a new password, or password login disabled.
            if after.password != before.password and credentials_revoke(
                user=after,
                actor=request.user,
                via=AuditEntry.Via.ADMIN,
                reason="password set in the admin",
            ):
                messages.info(request, f"The API token of {after.get_username()} was deleted.")
        return response


@admin.register(AuditEntry)
class AuditEntryAdmin(CourseScopedAdmin):
    """The audit log, read-only: per course, filtered by action and actor."""

    list_display = ("created_at", "course_code", "actor_label", "action", "object_label", "via")
    list_filter = (
        ("course", CourseRelatedFilter),
        "action",
        "via",
        ("actor_label", ValuesFilter),
    )
    search_fields = ("object_label", "actor_label", "action", "reason")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "course",
        "course_code",
        "actor",
        "actor_label",
        "action",
        "via",
        "object_type",
        "object_id",
        "object_label",
        "old",
        "new",
        "reason",
    )
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The login lockouts, for superusers (a module of its own: axes' models have no course).
from courseapp import admin_lockouts  # noqa: E402, F401
