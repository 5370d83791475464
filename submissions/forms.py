from django import forms


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
