"""The preview card a link previewer shows (Telegram, WhatsApp, Facebook, X): a 1200x630 PNG
in the merchant's colour with the activity's title and what can be won.

A card is drawn once per content: its fingerprint names the image in the page's og:image URL,
so a changed activity gets a new URL (previewers cache by URL) and is drawn again."""

import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 80
DEFAULT_COLOR = "#5b3bd6"
# Debian's fonts when installed (accents and more), else Pillow's own scalable one.
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


@dataclass(frozen=True)
class Card:
    merchant_name: str
    color: str
    title: str
    headline: str

    @property
    def fingerprint(self) -> str:
        text = "\x00".join((self.merchant_name, self.color, self.title, self.headline))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _ink_on(color: str) -> str:
    """White or near-black, whichever reads better on the colour."""
    red, green, blue = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#1d1d1f" if luminance > 150 else "#ffffff"


def _wrapped(draw: ImageDraw.ImageDraw, text: str, font, width: int, lines: int) -> list[str]:
    """Whole words per line, at most `lines` lines, the last one cut with an ellipsis."""
    result: list[str] = []
    for word in text.split():
        if result and draw.textlength(f"{result[-1]} {word}", font=font) <= width:
            result[-1] = f"{result[-1]} {word}"
        else:
            result.append(word)
    if len(result) > lines:
        result = result[:lines]
        last = result[-1].split()
        while len(last) > 1 and draw.textlength(" ".join(last) + "…", font=font) > width:
            last.pop()
        result[-1] = " ".join(last) + "…"
    return result


@lru_cache(maxsize=256)
def draw_card(card: Card) -> bytes:
    color = card.color or DEFAULT_COLOR
    ink = _ink_on(color)
    image = Image.new("RGB", (WIDTH, HEIGHT), color)
    draw = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    draw.text((MARGIN, MARGIN), card.merchant_name, font=_font(40), fill=ink)
    title_font = _font(76, bold=True)
    y = MARGIN + 90
    for line in _wrapped(draw, card.title, title_font, width, lines=2):
        draw.text((MARGIN, y), line, font=title_font, fill=ink)
        y += 92
    headline_font = _font(44)
    y += 20
    for line in _wrapped(draw, card.headline, headline_font, width, lines=2):
        draw.text((MARGIN, y), line, font=headline_font, fill=ink)
        y += 56
    draw.rectangle((0, HEIGHT - 24, WIDTH, HEIGHT), fill=ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
