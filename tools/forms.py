"""Forms turn untrusted input into typed values: a decoded image, a background choice."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image

from tools import pipeline
from tools.images import check_within_limits, load_within_limits
from tools.pipeline.options import MAX_BLUR, MAX_MARGIN
from tools.samples import SAMPLES, SAMPLES_BY_NAME
from tools.services.rendering import BackgroundChoice

# Pillow format names we decode, and how we name them to people.
ACCEPTED_FORMATS = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "WEBP": "WebP",
    "GIF": "GIF",
    "BMP": "BMP",
    "TIFF": "TIFF",
}
ACCEPTED_TEXT = "JPEG, PNG, WebP, GIF, BMP or TIFF"
ACCEPT_ATTR = (
    "image/jpeg,image/png,image/webp,image/gif,image/bmp,image/tiff,"
    ".jpg,.jpeg,.png,.webp,.gif,.bmp,.tif,.tiff"
)
COLOR_PRESETS = (
    ("#ffffff", "White"),
    ("#000000", "Black"),
    ("#f1f3f5", "Light grey"),
    ("#dbeafe", "Sky"),
    ("#fde68a", "Yellow"),
    ("#3a2fd0", "Indigo"),
)


def max_upload_bytes() -> int:
    return settings.PIXELFORGE_MAX_UPLOAD_MB * 1024 * 1024


def declared_size(upload: UploadedFile) -> tuple[int, int] | None:
    """The size a file's header declares, read without Pillow's decompression-bomb guard.

    Only used once Pillow has refused a file as a bomb, so the message can say how large it
    is; nothing is decoded here.
    """
    upload.seek(0)
    prefix = upload.read(16)
    for name in ACCEPTED_FORMATS:
        factory, accept = Image.OPEN[name]
        if accept is not None and not accept(prefix):
            continue
        upload.seek(0)
        try:
            with factory(upload, "") as header:
                return header.size
        except Exception:
            continue
    return None


def _size_error(upload: UploadedFile) -> forms.ValidationError:
    size = declared_size(upload)
    limits = (
        f"the limit is {settings.PIXELFORGE_MAX_SIDE} pixels on the longest side and "
        f"{settings.PIXELFORGE_MAX_PIXELS / 1e6:.0f} megapixels in total. Resize it and try again."
    )
    said = f"This image is {size[0]} x {size[1]} pixels" if size else "This image is too large"
    return forms.ValidationError(f"{said}; {limits}", code="too_large")


def decode_upload(upload: UploadedFile, *, light: bool = False) -> Image.Image:
    """Check the format from the file's header, then decode it within the pixel limits."""
    try:
        upload.seek(0)
        with Image.open(upload, formats=list(ACCEPTED_FORMATS)):
            pass  # only the header is read here
    except Image.DecompressionBombError:
        raise _size_error(upload) from None
    except Exception:
        raise forms.ValidationError(
            f"This file is not an image we can read. Upload a {ACCEPTED_TEXT} file.",
            code="unreadable",
        ) from None
    upload.seek(0)
    try:  # light: a large image is left to the worker (tools.images.check_within_limits)
        return check_within_limits(upload) if light else load_within_limits(upload)
    except pipeline.PipelineError as exc:
        raise forms.ValidationError(str(exc), code="pipeline") from None


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

    def clean_image(self) -> Image.Image:
        upload = self.cleaned_data["image"]
        if upload.size > max_upload_bytes():
            raise self.too_large_error()
        self.filename = upload.name or ""
        return decode_upload(upload, light=True)


class SampleForm(forms.Form):
    sample = forms.ChoiceField(choices=[(s.name, s.title) for s in SAMPLES])

    def clean_sample(self) -> Image.Image:
        sample = SAMPLES_BY_NAME[self.cleaned_data["sample"]]
        self.filename = f"{sample.name}.jpg"
        return pipeline.load_image(sample.file_path())


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
    keep = forms.TypedMultipleChoiceField(
        label="Subjects to keep", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, subjects: list[dict] | None = None, **kwargs: object):
        super().__init__(*args, **kwargs)
        self.subjects = subjects or []
        self.fields["keep"].choices = [
            (s["index"], f"Subject {s['index'] + 1}") for s in self.subjects
        ]

    @classmethod
    def initial_for(cls, choice: BackgroundChoice, subjects: list[dict]) -> dict:
        keep = choice.keep if choice.keep is not None else [s["index"] for s in subjects]
        return {**choice.to_saved(), "keep": list(keep)}

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

    def clean_bg_image(self) -> Image.Image | None:
        upload = self.cleaned_data.get("bg_image")
        if not upload:
            return None
        if upload.size > max_upload_bytes():
            raise self.too_large_error()
        return decode_upload(upload)

    def clean(self) -> dict:
        data = super().clean()
        if self.data.get("preset"):
            data["background"] = "color"
        listed = self.data.get("subjects_listed") == "1"  # the checkboxes were on the page
        if len(self.subjects) > 1 and listed and not data.get("keep"):
            self.add_error("keep", "Keep at least one subject.")
        if data.get("background") == "blur" and not data.get("blur"):
            data["blur"] = BackgroundChoice.blur
        return data

    def choice(self) -> BackgroundChoice:
        """The typed choice (call after is_valid())."""
        data = self.cleaned_data
        keep = tuple(data.get("keep") or ())
        if not self.subjects or len(keep) == len(self.subjects):
            keep = None
        return BackgroundChoice(
            background=data["background"],
            bg_color=data["bg_color"],
            blur=data.get("blur") or BackgroundChoice.blur,
            crop=data.get("crop", False),
            margin=data.get("margin") or 0,
            size=data["size"],
            keep=keep,
        )
