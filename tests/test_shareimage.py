"""The pictures drawn with Pillow: the emblem and the social preview image."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image

from petition.shareimage import SHARE_SIZE, _wrap, draw_emblem, render_share_image

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"


def draw(**overrides) -> Image.Image:
    values = {"title": "A title", "count_line": "12 people have signed",
              "goal_line": "Goal: 100 signatures", "progress": 0.12, **overrides}  # fmt: skip
    return Image.open(BytesIO(render_share_image(FONTS, **values)))


def test_share_image_size_and_progress_bar() -> None:
    image = draw()
    assert image.size == SHARE_SIZE == (1200, 630)
    accent = (0x9B, 0x1C, 0x1C)
    assert image.getpixel((70, 534)) == accent  # the bar starts filled
    assert image.getpixel((1000, 534)) != accent  # and stops at 12%
    assert draw(progress=2.0).getpixel((1130, 534)) == accent  # past the goal: full, no overflow
    assert draw(progress=0.0).getpixel((70, 534)) != accent  # nothing signed: empty


def test_long_titles_are_cut_with_an_ellipsis() -> None:
    from PIL import ImageFont

    font = ImageFont.truetype(str(FONTS / "DejaVuSans-Bold.ttf"), 58)
    lines = _wrap("word " * 80, font, 1080, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert all(font.getlength(line) <= 1080 for line in lines)
    assert _wrap("Short title", font, 1080, 3) == ["Short title"]


def test_emblem_is_a_disc_with_a_sun_and_mountains() -> None:
    emblem = draw_emblem(64)
    assert emblem.size == (64, 64) and emblem.mode == "RGBA"
    assert emblem.getpixel((0, 0))[3] == 0  # transparent outside the disc
    assert emblem.getpixel((32, 44))[:3] == (255, 255, 255)  # mountain
    red, green, blue = emblem.getpixel((32, 15))[:3]
    assert red > 230 and 150 < green < 180 and blue < 20  # sun (orange, resampled)
