"""The figure helpers behind `manage.py blog_figures` (the command itself runs the real model
on four photos, about a minute: run it by hand, see README)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from blog.figures import COVER_SIZE, Run, checkerboard, edge_window, save, split_cover
from tools.pipeline.remove import Cutout


def fake_run() -> Run:
    """A red disc with a soft edge on grey, as the pipeline would return it."""
    image = Image.new("RGB", (400, 300), (128, 128, 128))
    ImageDraw.Draw(image).ellipse((250, 100, 350, 200), fill=(220, 30, 30))
    alpha = Image.new("L", image.size, 0)
    ImageDraw.Draw(alpha).ellipse((250, 100, 350, 200), fill=255)
    alpha = alpha.filter(ImageFilter.GaussianBlur(3))
    cutout = image.convert("RGBA")
    cutout.putalpha(alpha)
    saliency = np.asarray(alpha, np.float32) / 255
    trimap = np.where(saliency > 0.9, 1.0, np.where(saliency < 0.1, 0.0, 0.5))
    return Run(image, saliency, trimap, Cutout(image, alpha, cutout))


def test_a_cover_shows_the_photo_then_the_new_background(tmp_path):
    run = fake_run()
    green = Image.new("RGB", COVER_SIZE, (20, 160, 60))
    cover = split_cover(run, green, shadow=True)
    assert cover.size == COVER_SIZE
    assert cover.getpixel((100, 300)) == (128, 128, 128)  # left: the photo
    assert cover.getpixel((700, 40)) == (20, 160, 60)  # right: the new background
    assert cover.getpixel((600, 300)) == (255, 255, 255)  # the divider
    path = save(cover, tmp_path / "cover.jpg")
    assert Image.open(path).format == "JPEG" and not list(tmp_path.glob("*.tmp"))


def test_the_decontamination_crop_sits_on_the_subject_s_edge():
    run = fake_run()
    unknown = (run.trimap > 0.25) & (run.trimap < 0.75)
    left, top, right, bottom = edge_window(run.cutout.alpha, unknown, 60)
    assert right - left == 60 and bottom - top == 60
    window = np.zeros((300, 400), bool)
    window[top:bottom, left:right] = True
    assert (window & unknown).sum() > 100


def test_the_checkerboard_alternates():
    board = checkerboard((48, 24), cell=12)
    assert board.getpixel((0, 0)) != board.getpixel((12, 0))
    assert board.getpixel((0, 0)) == board.getpixel((12, 12))
