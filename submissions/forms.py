from django import forms
from django.core.exceptions import ValidationError


class UploadForm(forms.Form):
    file = forms.FileField(required=False, label="Your file")
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 10}))


class ExtensionForm(forms.Form):
    owner = forms.ChoiceField(label="Student or team")
    due = forms.DateTimeField(
        label="New due date (course time)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class WaiverForm(forms.Form):
    student = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label="Why the penalty is waived")


class TeamCreateForm(forms.Form):
    name = forms.CharField(max_length=100, label="Team name")


class TeamInviteForm(forms.Form):
    username = forms.CharField(max_length=150, label="Username of the student to invite")


class TeamsImportForm(forms.Form):
    csv_file = forms.FileField(label="CSV file (team,username)")


TEAMS_CSV_MAX_BYTES = 1024 * 1024


def teams_csv_text(upload) -> str:
    """The text of an uploaded teams CSV (the page's and the admin's), or ValidationError."""
    raw = upload.read(TEAMS_CSV_MAX_BYTES + 1)
    if len(raw) > TEAMS_CSV_MAX_BYTES:
        raise ValidationError("The CSV is larger than 1 MB.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("The CSV is not UTF-8 text.") from None
