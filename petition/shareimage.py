"""Pictures the app draws with Pillow: the social preview image and the emblem.

The emblem here and static/emblem.svg are one drawing: the same shapes on the same
64-unit grid, so the favicon PNG (drawn here) matches the SVG the pages show.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# Open Graph's recommended size; Twitter's summary_large_image uses the same ratio.
SHARE_SIZE = (1200, 630)
MARGIN = 60
# Drawn at this multiple and scaled down, which smooths the emblem's edges.
SUPERSAMPLE = 4
INK, ACCENT, SOFT, WHITE = "#1d1d1f", "#9b1c1c", "#f5f2ee", "#ffffff"
SUN = "#f2a900"
# static/emblem.svg on its 64-unit grid: a disc, a sun, two mountains.
EMBLEM_GRID = 64
EMBLEM_SUN = (32, 23, 10)  # centre x, centre y, radius
EMBLEM_MOUNTAINS = ((9, 47), (23, 24), (31, 36), (41, 21), (55, 47))
BOLD_FONT = "DejaVuSans-Bold.ttf"
REGULAR_FONT = "DejaVuSans.ttf"
TITLE_SIZE, TITLE_LINES = 58, 3


def draw_emblem(size: int) -> Image.Image:
    """Return the emblem as a size×size RGBA image."""
    big = size * SUPERSAMPLE
    scale = big / EMBLEM_GRID
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((0, 0, big - 1, big - 1), fill=ACCENT)
    cx, cy, r = (v * scale for v in EMBLEM_SUN)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=SUN)
    draw.polygon([(x * scale, y * scale) for x, y in EMBLEM_MOUNTAINS], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def emblem_png(size: int) -> bytes:
    """Return the emblem as PNG bytes (the favicon is this at 180 pixels)."""
    out = BytesIO()
    draw_emblem(size).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, most: int) -> list[str]:
    """Break text into at most `most` lines no wider than width; the last gets an ellipsis."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most]
        while font.getlength(lines[-1] + "…") > width and " " in lines[-1]:
            lines[-1] = lines[-1].rsplit(" ", 1)[0]
        lines[-1] += "…"
    return lines


def render_share_image(
    fonts: Path, *, title: str, count_line: str, goal_line: str, progress: float
) -> bytes:
    """Draw the 1200×630 preview: emblem, title, the count, progress to the goal."""
    width, height = SHARE_SIZE
    image = Image.new("RGB", SHARE_SIZE, WHITE)
    draw = ImageDraw.Draw(image)
    bold = ImageFont.truetype(str(fonts / BOLD_FONT), TITLE_SIZE)
    draw.rectangle((0, 0, width, 16), fill=ACCENT)
    emblem = draw_emblem(120)
    image.paste(emblem, (MARGIN, 56), emblem)
    y = 200
    for line in _wrap(title, bold, width - 2 * MARGIN, TITLE_LINES):
        draw.text((MARGIN, y), line, font=bold, fill=INK)
        y += int(TITLE_SIZE * 1.2)
    count_font = ImageFont.truetype(str(fonts / BOLD_FONT), 50)
    goal_font = ImageFont.truetype(str(fonts / REGULAR_FONT), 34)
    draw.text((MARGIN, 448), count_line, font=count_font, fill=ACCENT)
    bar = (MARGIN, 520, width - MARGIN, 548)
    draw.rounded_rectangle(bar, radius=14, fill=SOFT)
    filled = bar[0] + round((bar[2] - bar[0]) * min(max(progress, 0.0), 1.0))
    if progress > 0:
        # A first signature still shows: the bar is never thinner than its own height.
        filled = max(filled, bar[0] + bar[3] - bar[1])
        draw.rounded_rectangle((bar[0], bar[1], filled, bar[3]), radius=14, fill=ACCENT)
    draw.text((MARGIN, 564), goal_line, font=goal_font, fill=INK)
    out = BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
