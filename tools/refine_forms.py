"""The refine page's form: which action, on which subject or revision, from which state."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.files.uploadedfile import UploadedFile

ACTIONS = (
    ("strokes", "Apply strokes"),
    ("remove_subject", "Remove a subject"),
    ("use", "Use a version"),
)


@dataclass(frozen=True)
class RefineRequest:
    action: str  # strokes | remove_subject | use
    strokes: UploadedFile | None
    subject: int | None
    revision: int | None
    base: int | None  # the revision the visitor saw


class RefineForm(forms.Form):
    action = forms.ChoiceField(choices=ACTIONS)
    strokes = forms.FileField(required=False)
    subject = forms.IntegerField(required=False, min_value=0, max_value=10_000)
    revision = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)
    base = forms.IntegerField(required=False, min_value=0, max_value=1_000_000)

    def __init__(self, *args: object, oversize: set[str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.oversize = oversize or set()

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if "strokes" in self.oversize:
            raise forms.ValidationError("The stroke mask is too large; draw fewer strokes.")
        if action == "strokes" and not data.get("strokes"):
            self.add_error("strokes", "Send the strokes as a mask image.")
        if action == "remove_subject" and data.get("subject") is None:
            self.add_error("subject", "Choose a subject to remove.")
        if action == "use" and data.get("revision") is None:
            self.add_error("revision", "Choose a version to go back to.")
        return data

    def request(self) -> RefineRequest:
        data = self.cleaned_data
        return RefineRequest(
            action=data["action"],
            strokes=data.get("strokes"),
            subject=data.get("subject"),
            revision=data.get("revision"),
            base=data.get("base"),
        )
