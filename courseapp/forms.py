"""Forms of the core app: the roster upload of the admin, and course-consistent admin forms."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models

from courseapp.models import Course
from courseapp.roster import ROSTER_HEADER, RosterError, roster_decode

# A roster of a few thousand people is well under this; a bigger upload is a wrong file.
ROSTER_MAX_BYTES = 1_000_000


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster (CSV)",
        help_text=(
            f"UTF-8 CSV with the header {','.join(ROSTER_HEADER)} and optionally section; "
            "role is student, ta or instructor. Nothing changes until you apply the preview."
        ),
    )
    invite = forms.BooleanField(
        label="E-mail an invitation to each new account",
        required=False,
        help_text="New accounts get a link to choose their password, sent when you apply.",
    )

    def clean_file(self) -> str:
        """The file's text (the cleaned value is a str, not the upload)."""
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            raise ValidationError(
                f"The file is {upload.size:,} bytes; a roster is at most {ROSTER_MAX_BYTES:,}."
            )
        try:
            return roster_decode(upload.read())
        except RosterError as error:
            raise ValidationError(error.problems) from None


class RosterApplyForm(forms.Form):
    """The previewed file, carried back in hidden fields to be imported for real."""

    # strip=False: the text is re-imported exactly as previewed.
    csv_text = forms.CharField(widget=forms.HiddenInput, strip=False)
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    invite = forms.BooleanField(widget=forms.HiddenInput, required=False)


class CourseScopedModelForm(forms.ModelForm):
    """A model form for course data that keeps every related row in the same course.

    Offering only the rows of courses a user teaches is not enough for someone who teaches
    two: nothing else stops a meeting of course A landing in a week of course B.
    """

    def clean(self):
        cleaned = super().clean()
        course_id = self._course_id(cleaned)
        if course_id is None:
            return cleaned
        for name, value in list(cleaned.items()):
            related = value if isinstance(value, (list, tuple, models.QuerySet)) else [value]
            for item in related:
                item_course = _course_id_of(item)
                if item_course is not None and item_course != course_id:
                    self.add_error(name, f"{item} belongs to another course.")
                    break
        return cleaned

    def _course_id(self, cleaned) -> int | None:
        if isinstance(self.instance, Course):
            return None
        course = cleaned.get("course")
        if isinstance(course, Course):
            return course.pk
        return getattr(self.instance, "course_id", None)

    def _post_clean(self):
        super()._post_clean()
        # A form without a course field (an inline whose course comes from its parent) skips
        # the constraints naming the course, such as a unique key per course: check them
        # here so that a duplicate is a message on the form, not a database error.
        if "course" in self.fields or not getattr(self.instance, "course_id", None):
            return
        exclude = {
            field.name
            for field in self.instance._meta.concrete_fields
            if field.name not in self.fields and field.name != "course"
        }
        for model, constraints in self.instance.get_constraints():
            for constraint in constraints:
                # The others were checked by the form already.
                if "course" not in getattr(constraint, "fields", ()):
                    continue
                try:
                    constraint.validate(model, self.instance, exclude=exclude)
                except ValidationError as error:
                    self._update_errors(error)


def _course_id_of(item) -> int | None:
    if isinstance(item, Course):
        return item.pk
    if isinstance(item, models.Model):
        return getattr(item, "course_id", None)
    return None
