"""Admin actions that ask for a reason first, on a confirmation page of their own."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from courseapp.errors import DomainError


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Kept in the audit log with the change.",
    )

    def __init__(self, *args, reason_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required


class ReasonActionsMixin:
    """`reason_action(...)` shows the selected rows and a form (a reason, and whatever else
    `form_class` asks), then applies `apply(obj, cleaned_data)` to each row."""

    def reason_action(
        self,
        request,
        queryset,
        *,
        title: str,
        verb: str,
        apply: Callable,
        done: str,
        reason_required: bool = True,
        form_class: type[ReasonForm] = ReasonForm,
        form_kwargs: dict | None = None,
    ):
        form = form_class(
            request.POST if "confirm" in request.POST else None,
            reason_required=reason_required,
            **(form_kwargs or {}),
        )
        if "confirm" in request.POST and form.is_valid():
            succeeded, refused = 0, []
            for obj in queryset:
                try:
                    apply(obj, form.cleaned_data)
                    succeeded += 1
                except DomainError as error:
                    refused.append(f"{obj}: {error.message}")
            if succeeded:
                self.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
            for message in refused:
                self.message_user(request, message, messages.WARNING)
            return None
        return TemplateResponse(
            request,
            "admin/reason_action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "verb": verb,
                "objects": list(queryset),
                "form": form,
                "action": request.POST.get("action"),
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            },
        )
