"""The feedback form: the course's questions as ratings on their scales, and a comment."""

from django import forms

from presentations.feedback_services import COMMENT_MAX_LENGTH


class FeedbackForm(forms.Form):
    """Built from the course's questions; the service checks everything again (window,
    scale, comment rules), this only shapes the page."""

    def __init__(self, *args, questions, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(n, str(n)) for n in range(question.scale_min, question.scale_max + 1)]
            self.fields[f"q_{question.key}"] = forms.TypedChoiceField(
                label=question.label,
                help_text=question.help_text,
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": "Choose a rating."},
            )
        required = course.feedback_comment_required or any(q.comment_required for q in questions)
        minimum = course.feedback_comment_min_length
        self.comment_required, self.comment_minimum = required, minimum
        hint = []
        if required:
            hint.append("Required.")
        if minimum:
            hint.append(f"At least {minimum} characters.")
        self.fields["comment"] = forms.CharField(
            label="Comment",
            required=False,
            max_length=COMMENT_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=" ".join(hint) or "Optional.",
        )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"].strip()
        if self.comment_required and not comment:
            raise forms.ValidationError("A comment is required.")
        if comment and len(comment) < self.comment_minimum:
            raise forms.ValidationError(
                f"Write at least {self.comment_minimum} characters (you wrote {len(comment)})."
            )
        return comment

    def rating_fields(self):
        return [self[f"q_{question.key}"] for question in self.questions]

    def scores(self) -> dict[str, int]:
        return {q.key: self.cleaned_data[f"q_{q.key}"] for q in self.questions}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        keys = {question.key for question in self.questions}
        for key, messages in errors.items():
            field = f"q_{key}" if key in keys else ("comment" if key == "comment" else None)
            for message in messages:
                self.add_error(field, message)
