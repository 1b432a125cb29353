"""Forms turn untrusted input into typed values: a decoded image, a background choice."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from tools import pipeline
from tools.backgrounds import BACKGROUNDS
from tools.images import (
    HeaderChecked,
    check_within_limits,
)
from tools.pipeline.formats import ACCEPT_ATTR, ACCEPTED_TEXT
from tools.pipeline.options import MAX_BLUR, MAX_MARGIN, SHADOW_RANGES
from tools.samples import SAMPLES, SAMPLES_BY_NAME
from tools.services.choices import BackgroundChoice
from tools.uploads import max_upload_bytes

__all__ = ["ACCEPTED_TEXT", "ACCEPT_ATTR", "max_upload_bytes"]  # the views import them from here

# An empty shadow setting keeps the default (tools.pipeline.shadow.DropStyle).
SHADOW_DEFAULTS = {
    "shadow_angle": BackgroundChoice.shadow_angle,
    "shadow_length": BackgroundChoice.shadow_length,
    "shadow_softness": BackgroundChoice.shadow_softness,
}

COLOR_PRESETS = (
    ("#ffffff", "White"),
    ("#000000", "Black"),
    ("#f1f3f5", "Light grey"),
    ("#dbeafe", "Sky"),
    ("#fde68a", "Yellow"),
    ("#3a2fd0", "Indigo"),
)


def upload_form_context() -> dict[str, object]:
    """What the upload form (templates/tools/_upload_form.html) needs, on every page it is on."""
    return {
        "accept": ACCEPT_ATTR,
        "accepted_text": ACCEPTED_TEXT,
        "max_bytes": max_upload_bytes(),
        "batch_max_files": settings.PIXELFORGE_BATCH_MAX_FILES,
        "batch_max_bytes": settings.PIXELFORGE_BATCH_MAX_BYTES,
    }


def decode_upload(upload: UploadedFile) -> HeaderChecked:
    """Check an uploaded file within the site's limits from its header (and that it is not
    cut short); a worker decodes it (tools.images.check_within_limits), so web processes stay
    small."""
    upload.seek(0)
    try:
        return check_within_limits(upload)
    except pipeline.ImageTooLarge as exc:
        raise forms.ValidationError(str(exc), code="too_large") from None
    except pipeline.PipelineError as exc:
        raise forms.ValidationError(str(exc), code="unreadable") from None


class CappedFileForm(forms.Form):
    """A form whose file fields were capped while reading (see tools.uploads)."""

    def __init__(self, *args: object, oversize: set[str] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.oversize = oversize or set()

    def too_large_error(self) -> forms.ValidationError:
        return forms.ValidationError(
            f"This file is larger than {settings.PIXELFORGE_MAX_UPLOAD_MB} MB. Upload a smaller "
            f"{ACCEPTED_TEXT} file.",
            code="too_large",
        )


class UploadForm(CappedFileForm):
    image = forms.FileField(
        label="Choose an image",
        error_messages={
            "required": f"Choose an image to upload: a {ACCEPTED_TEXT} file.",
            "empty": f"This file is empty. Upload a {ACCEPTED_TEXT} file.",
        },
    )

    def full_clean(self) -> None:
        super().full_clean()
        if "image" in self.oversize:
            self.errors.pop("image", None)
            self.add_error("image", self.too_large_error())

    notice = ""  # set when the image was scaled down to fit the limits

    def clean_image(self) -> HeaderChecked:
        upload = self.cleaned_data["image"]
        if upload.size > max_upload_bytes():
            raise self.too_large_error()
        self.filename = upload.name or ""
        checked = decode_upload(upload)
        self.notice = checked.notice()
        return checked


class SampleForm(forms.Form):
    notice = ""
    sample = forms.ChoiceField(choices=[(s.name, s.title) for s in SAMPLES])

    def clean_sample(self) -> HeaderChecked:
        sample = SAMPLES_BY_NAME[self.cleaned_data["sample"]]
        self.filename = f"{sample.name}.jpg"
        with sample.file_path().open("rb") as handle:
            return check_within_limits(handle)


class BackgroundForm(CappedFileForm):
    background = forms.ChoiceField(
        choices=[
            ("none", "Transparent"),
            ("color", "Colour"),
            ("image", "Image"),
            ("blur", "Blurred original"),
        ],
        widget=forms.RadioSelect,
    )
    bg_color = forms.CharField(label="Colour", max_length=9, required=False)
    preset = forms.CharField(max_length=9, required=False)  # a preset button was pressed
    bg_image = forms.FileField(label="Background image", required=False)
    stock = forms.ChoiceField(
        label="Background library",
        choices=[("", "Your own image")] + [(b.name, b.title) for b in BACKGROUNDS],
        required=False,
        widget=forms.RadioSelect,
    )
    blur = forms.FloatField(label="Blur strength", min_value=1, max_value=MAX_BLUR, required=False)
    crop = forms.BooleanField(label="Crop to the subject", required=False)
    margin = forms.IntegerField(
        label="Margin (px)", min_value=0, max_value=MAX_MARGIN, required=False
    )
    size = forms.ChoiceField(
        label="Output size",
        choices=[("original", "Original"), ("square", "Square 1:1")],
        widget=forms.RadioSelect,
    )
    shadow = forms.ChoiceField(
        label="Shadow",
        choices=[("none", "None"), ("drop", "Soft shadow"), ("contact", "Keep the real shadow")],
        widget=forms.RadioSelect,
        required=False,
    )
    shadow_angle = forms.FloatField(
        label="Shadow direction", min_value=SHADOW_RANGES["angle"][0],
        max_value=SHADOW_RANGES["angle"][1], required=False,
    )  # fmt: skip
    shadow_length = forms.FloatField(
        label="Shadow length", min_value=0, max_value=SHADOW_RANGES["length"][1], required=False
    )
    shadow_softness = forms.FloatField(
        label="Shadow softness", min_value=0, max_value=SHADOW_RANGES["softness"][1],
        required=False,
    )  # fmt: skip
    keep = forms.TypedMultipleChoiceField(
        label="Subjects to keep", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self,
        *args: object,
        subjects: list[dict] | None = None,
        saved: BackgroundChoice | None = None,
        **kwargs: object,
    ):
        super().__init__(*args, **kwargs)
        self.subjects = subjects or []
        self.saved = saved or BackgroundChoice()
        self.fields["keep"].choices = [
            (s["index"], f"Subject {s['index'] + 1}") for s in self.subjects
        ]

    @classmethod
    def initial_for(cls, choice: BackgroundChoice, subjects: list[dict]) -> dict:
        keep = choice.keep if choice.keep is not None else [s["index"] for s in subjects]
        return {**choice.to_saved(), "keep": list(keep)}

    @classmethod
    def unread(
        cls, message: str, *, choice: BackgroundChoice, subjects: list[dict]
    ) -> BackgroundForm:
        """The form as last saved, with ``message`` as its error: for a body Django refused."""
        form = cls(initial=cls.initial_for(choice, subjects), subjects=subjects)
        form.full_clean()  # unbound: no field errors
        form.cleaned_data = {}
        form.add_error(None, message)
        return form

    def full_clean(self) -> None:
        super().full_clean()
        if "bg_image" in self.oversize:
            self.errors.pop("bg_image", None)
            self.add_error("bg_image", self.too_large_error())

    def clean_bg_color(self) -> str:
        text = (self.data.get("preset") or self.cleaned_data["bg_color"] or "").strip()
        if not text:
            return "#ffffff"
        try:
            r, g, b, _ = pipeline.parse_hex_color(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None
        return f"#{r:02x}{g:02x}{b:02x}"

    def clean_bg_image(self) -> bytes | None:
        """The file's bytes as received, once its header (or a small file in full) was
        checked; a worker decodes it (tools/services/background_uploads.py)."""
        upload = self.cleaned_data.get("bg_image")
        if not upload:
            return None
        if upload.size > max_upload_bytes():
            raise self.too_large_error()
        decode_upload(upload)
        upload.seek(0)
        return upload.read()

    def clean(self) -> dict:
        data = super().clean()
        if self.data.get("preset"):
            data["background"] = "color"
        # Picking a library background or uploading an image means "show it", whichever
        # mode was checked (without JavaScript, the mode and the picture are chosen together).
        if data.get("bg_image") is not None:
            data["stock"] = ""
            data["background"] = "image"
        elif data.get("stock") and data["stock"] != self.saved.stock:
            data["background"] = "image"
        listed = self.data.get("subjects_listed") == "1"  # the checkboxes were on the page
        if len(self.subjects) > 1 and listed and not data.get("keep"):
            self.add_error("keep", "Keep at least one subject.")
        if data.get("background") == "blur" and not data.get("blur"):
            data["blur"] = BackgroundChoice.blur
        return data

    def choice(self) -> BackgroundChoice:
        """The typed choice (call after is_valid())."""
        data = self.cleaned_data
        # No ticked box means "all": a one-subject photo has no checkboxes on the page, and an
        # empty selection of several listed subjects was refused in clean().
        keep = tuple(sorted(set(data.get("keep") or ())))
        if not keep or len(keep) == len(self.subjects):
            keep = None
        return BackgroundChoice(
            background=data["background"],
            bg_color=data["bg_color"],
            blur=data.get("blur") or BackgroundChoice.blur,
            crop=data.get("crop", False),
            margin=data.get("margin") or 0,
            size=data["size"],
            keep=keep,
            stock=data.get("stock") or "",
            shadow=data.get("shadow") or "none",
            **{
                name: default if data.get(name) is None else data[name]
                for name, default in SHADOW_DEFAULTS.items()
            },
        )
