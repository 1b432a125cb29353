"""python manage.py removebg: many files, a bad one, masks, backgrounds (real model)."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.synthetic import star, textured_disc

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def inputs(folder: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        image, _ = (textured_disc if i % 2 == 0 else star)((160, 120) if i % 2 else (320, 240))
        path = folder / f"photo-{i}.jpg"
        image.save(path, quality=92)
        paths.append(path)
    return paths


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("removebg", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_processes_many_files_and_reports_a_bad_one(tmp_path):
    good = inputs(tmp_path, 4)
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"this is not a jpeg")
    out_dir = tmp_path / "out"
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 of 5 failed: broken\.jpg"):
        call_command(
            "removebg",
            *map(str, [good[0], good[1], bad, good[2], good[3]]),
            "--out-dir",
            str(out_dir),
            "--model",
            "u2netp",
            stderr=err,
        )
    log = err.getvalue()
    assert "[3/5] broken.jpg failed" in log and "JPEG, PNG" in log
    assert "[5/5] photo-3.jpg" in log
    for path in good:
        with Image.open(out_dir / f"{path.stem}.png") as result:
            assert result.mode == "RGBA"
            assert result.size == Image.open(path).size
    assert not (out_dir / "broken.png").exists()


def test_it_writes_a_mask(tmp_path):
    [source] = inputs(tmp_path, 1)
    target = tmp_path / "mask.png"
    out, _ = run(str(source), "-o", str(target), "--mask")
    assert "1 image(s) done" in out
    with Image.open(target) as mask:
        assert mask.mode == "L" and mask.size == (320, 240)
        assert mask.getextrema() == (0, 255)


def test_it_puts_the_subject_on_a_colour_and_crops(tmp_path):
    [source] = inputs(tmp_path, 1)
    target = tmp_path / "white.png"
    run(str(source), "-o", str(target), "--bg-color", "#ffffff", "--crop", "--margin", "5")
    with Image.open(target) as result:
        assert result.getchannel("A").getextrema() == (255, 255)
        assert result.width < 320 and result.height < 240  # cropped to the ball plus 5 px


def test_it_accepts_a_background_image_and_no_matting(tmp_path):
    [source] = inputs(tmp_path, 1)
    background = tmp_path / "bg.png"
    Image.new("RGB", (50, 50), (0, 0, 200)).save(background)
    run(
        str(source), "--out-dir", str(tmp_path / "o"), "--bg-image", str(background), "--no-matting"
    )
    with Image.open(tmp_path / "o" / "photo-0.png") as result:
        assert result.getpixel((2, 2))[:3] == (0, 0, 200)


@pytest.mark.parametrize(
    "args",
    [
        ["--bg-color", "blue"],
        ["--bg-color", "#fff", "--blur", "4"],
        ["--margin", "-3"],
    ],
)
def test_it_rejects_bad_options_before_processing(tmp_path, args):
    with pytest.raises(CommandError):
        run(str(FIXTURES / "chelsea.jpg"), "--out-dir", str(tmp_path), *args)
    assert not list(tmp_path.iterdir())


def test_output_takes_a_single_input(tmp_path):
    with pytest.raises(CommandError, match="single input"):
        run(
            str(FIXTURES / "chelsea.jpg"),
            str(FIXTURES / "coffee.jpg"),
            "-o",
            str(tmp_path / "x.png"),
        )


def test_a_failure_while_processing_is_reported_by_name_and_the_rest_go_on(
    tmp_path, failing_matting
):
    """A real solver failure (tests/faults.py) on the 320 x 240 inputs; 160 x 120 are spared."""
    failing_matting.add((160, 120))
    photos = inputs(tmp_path, 2)  # photo-0 is 320 x 240, photo-1 is 160 x 120
    err = StringIO()
    with pytest.raises(CommandError, match=r"1 of 2 failed: photo-0\.jpg"):
        call_command(
            "removebg",
            *map(str, photos),
            "--out-dir",
            str(tmp_path / "out"),
            "--model",
            "u2netp",
            stderr=err,
            stdout=StringIO(),
        )
    log = err.getvalue()
    assert "[1/2] photo-0.jpg failed while processing" in log and "Traceback" not in log
    assert not (tmp_path / "out" / "photo-0.png").exists()
    with Image.open(tmp_path / "out" / "photo-1.png") as result:
        assert (result.mode, result.size) == ("RGBA", (160, 120))


def test_a_large_input_is_scaled_down_with_a_note(tmp_path, settings):
    settings.PIXELFORGE_MAX_PIXELS = 4_800  # 160 x 120 = 19,200: half of each side fits
    [_, small] = inputs(tmp_path, 2)
    _, err = run(str(small), "-o", str(tmp_path / "out.png"), "--model", "u2netp", "--no-matting")
    assert "note: Your 160 x 120 pixel image was scaled down to 80 x 60 pixels" in err
    with Image.open(tmp_path / "out.png") as result:
        assert result.size == (80, 60)


def test_the_background_image_obeys_the_site_limits(tmp_path, settings):
    [source] = inputs(tmp_path, 1)
    backdrop = tmp_path / "backdrop.png"
    Image.new("RGB", (400, 300), (0, 0, 200)).save(backdrop)
    settings.PIXELFORGE_MAX_PIXELS = 50_000
    settings.PIXELFORGE_MAX_INPUT_PIXELS = 100_000  # the backdrop declares 120,000
    with pytest.raises(CommandError, match=r"--bg-image .*backdrop\.png: This image is 400 x 300"):
        run(str(source), "-o", str(tmp_path / "out.png"), "--bg-image", str(backdrop))
    assert not (tmp_path / "out.png").exists()
