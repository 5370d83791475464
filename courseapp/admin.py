"""The admin: every course model, scoped to the courses a staff user teaches.

Superusers see every course. An instructor (staff through `grant_instructor_access`) sees
and edits only the rows of the courses they teach: lists, the choices of every related
field, list filters and object pages (another course's object is a 404). TAs and students
are not admin staff. The mixins here are used by the admin of every app with course data.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from courseapp.forms import CourseScopedModelForm, RosterApplyForm, RosterUploadForm
from courseapp.models import AuditEntry, Course, Enrollment, Role
from courseapp.permissions import courses_taught_by, role_in
from courseapp.roster import (
    RosterChangedError,
    RosterError,
    grant_instructor_access,
    instructor_group,
    roster_import,
)

admin.site.site_header = "courseapp administration"
admin.site.site_title = "courseapp admin"
admin.site.index_title = "Courses you manage"

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
        if _has_course(related) and _several_courses(request):
            return [
                (obj.pk, f"{obj} ({obj.course.code})") for obj in queryset.select_related("course")
            ]
        return [(obj.pk, str(obj)) for obj in queryset]


class CourseChildFormSet(BaseInlineFormSet):
    """Inline rows whose course comes from their parent (a week's meetings, ...)."""

    def _parent_course_id(self):
        return course_id_of(self.instance)

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


class _ScopedFields:
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
    ]
    return format_html_join(
        " · ",
        '<a href="{}?course__id__exact={}">{}</a>',
        ((reverse(f"admin:{name}_changelist"), course.pk, label) for label, name in targets),
    )


class EnrollmentInline(CourseScopedInline, admin.TabularInline):
    model = Enrollment
    fields = ("user", "full_name", "email", "role", "student_id")
    # Existing rows only: a picker per row would cost a query per row on a class of
    # hundreds. New people come in through "Import roster" or the Enrolments page.
    readonly_fields = ("user", "full_name", "email")
    verbose_name_plural = "enrolments (add people with “Import roster” or on the Enrolments page)"

    def get_queryset(self, request):
        # The row's title (Enrollment.__str__) names the course too.
        return super().get_queryset(request).select_related("user", "course")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="name")
    def full_name(self, enrolment: Enrollment) -> str:
        return enrolment.user.get_full_name()

    @admin.display(description="email")
    def email(self, enrolment: Enrollment) -> str:
        return enrolment.user.email


@admin.register(Course)
class CourseAdmin(CourseScopedAdmin):
    course_lookup = "pk"
    list_display = ("code", "title", "term", "lecturer", "schedule_public", "people", "manage")
    list_filter = ("term", "schedule_public")
    search_fields = ("code", "title", "term", "lecturer")
    readonly_fields = ("manage", "created_at", "updated_at")
    inlines = [EnrollmentInline]
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
                ),
            },
        ),
        ("Course data", {"fields": ("manage", "created_at", "updated_at")}),
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

    @admin.display(description="people", ordering="people_count")
    def people(self, course: Course) -> int:
        return course.people_count

    @admin.display(description="manage")
    def manage(self, course: Course) -> str:
        return course_links(course) if course.pk else "-"

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

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Enrollment:
            saved = [*formset.new_objects, *(obj for obj, _ in formset.changed_objects)]
            instructors = [e.user for e in saved if e.role == Role.INSTRUCTOR]
            if instructors:
                group = instructor_group()
                for user in instructors:
                    grant_instructor_access(user=user, group=group)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/roster/",
                self.admin_site.admin_view(self.roster_import_view),
                name="courseapp_course_roster_import",
            ),
            *super().get_urls(),
        ]

    def roster_import_view(self, request, object_id):
        """Upload a roster CSV, preview what it changes, then apply it.

        As everywhere in the app: 404 for a stranger to the course, 403 for a member who is
        not one of its instructors (a TA given staff status by hand, say).
        """
        course = Course.objects.filter(pk=_int_or_none(unquote(object_id))).first()
        role = role_in(user=request.user, course=course) if course else None
        if role is None:
            raise Http404("No such course among yours.")
        if role != Role.INSTRUCTOR:
            raise PermissionDenied("Only the course's instructors import its roster.")

        if request.method == "POST" and "apply" in request.POST:
            apply_form = RosterApplyForm(request.POST)
            if not apply_form.is_valid():
                messages.error(request, "The preview was incomplete; upload the file again.")
                return redirect(request.path)
            csv_text = apply_form.cleaned_data["csv_text"]
            try:
                report = roster_import(
                    course=course,
                    csv_text=csv_text,
                    expected_digest=apply_form.cleaned_data["digest"],
                )
            except RosterChangedError as error:
                messages.warning(request, error.problems[0])
                return self._roster_preview(request, course, csv_text)
            except RosterError:
                return self._roster_preview(request, course, csv_text)
            level = messages.SUCCESS if report.changed else messages.INFO
            self.message_user(request, f"Roster imported. {report.summary()}", level)
            return redirect(reverse("admin:courseapp_course_change", args=[course.pk]))

        if request.method == "POST":
            upload_form = RosterUploadForm(request.POST, request.FILES)
            if upload_form.is_valid():
                return self._roster_preview(request, course, upload_form.cleaned_data["file"])
        else:
            upload_form = RosterUploadForm()
        return self._roster_page(request, course, {"upload_form": upload_form})

    def _roster_preview(self, request, course: Course, csv_text: str):
        try:
            report = roster_import(course=course, csv_text=csv_text, dry_run=True)
        except RosterError as error:
            return self._roster_page(
                request, course, {"upload_form": RosterUploadForm(), "problems": error.problems}
            )
        apply_form = RosterApplyForm(initial={"csv_text": csv_text, "digest": report.digest()})
        return self._roster_page(request, course, {"report": report, "apply_form": apply_form})

    def _roster_page(self, request, course: Course, context: dict):
        return TemplateResponse(
            request,
            "admin/courseapp/course/roster_import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": course,
                "course": course,
                "title": f"Import the roster of {course.code}",
                **context,
            },
        )


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


@admin.register(Enrollment)
class EnrollmentAdmin(CourseScopedAdmin):
    list_display = ("user", "full_name", "email", "course", "role", "student_id")
    list_select_related = ("user", "course")
    list_filter = (("course", CourseRelatedFilter), "role")
    search_fields = (
        "user__username",
        "user__email",
        "user__first_name",
        "user__last_name",
        "student_id",
    )
    autocomplete_fields = ("user",)
    fields = ("course", "user", "role", "student_id")

    @admin.display(description="name", ordering="user__last_name")
    def full_name(self, enrolment: Enrollment) -> str:
        return enrolment.user.get_full_name()

    @admin.display(description="email", ordering="user__email")
    def email(self, enrolment: Enrollment) -> str:
        return enrolment.user.email

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.role == Role.INSTRUCTOR:
            grant_instructor_access(user=obj.user)


admin.site.unregister(User)


@admin.register(User)
class CourseUserAdmin(UserAdmin):
    """Superusers get Django's user admin. Instructors see the people of their courses.

    An instructor may set the names, email and password of a person of their courses who
    has no admin access (the roster creates people without a password). Never a staff
    user's or a superuser's: their password opens other courses, or everything.
    """

    instructor_fieldsets = (
        (None, {"fields": ("username", "password")}),
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
        return not (obj.is_superuser or obj.is_staff)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AuditEntry)
class AuditEntryAdmin(CourseScopedAdmin):
    """The audit log, read-only: per course, filtered by action and actor."""

    list_display = ("created_at", "course_code", "actor_label", "action", "object_label", "via")
    list_filter = (("course", CourseRelatedFilter), "action", "via", "actor_label")
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
