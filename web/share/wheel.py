"""The lucky draw's wheel as SVG: one slice per prize, clockwise from the top, where the
pointer is. share.js turns the wheel so the slice of the prize the server drew stops there."""

import math
from dataclasses import dataclass

RADIUS = 150
CENTRE = 160  # the SVG is 320 wide: the wheel and a rim
LABEL_RADIUS = RADIUS * 0.62
LABEL_CHARACTERS = 14


@dataclass(frozen=True)
class Slice:
    path: str
    label: str
    label_x: float
    label_y: float
    label_angle: float
    shade: int  # alternating colours, from the stylesheet


def _point(angle: float, radius: float) -> tuple[float, float]:
    """A point at `angle` degrees clockwise from the top."""
    radians = math.radians(angle - 90)
    return CENTRE + radius * math.cos(radians), CENTRE + radius * math.sin(radians)


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARACTERS else name[: LABEL_CHARACTERS - 1] + "…"


def wheel_slices(names: list[str]) -> list[Slice]:
    step = 360 / len(names)
    slices = []
    for index, name in enumerate(names):
        start, end = index * step, (index + 1) * step
        (x1, y1), (x2, y2) = _point(start, RADIUS), _point(end, RADIUS)
        large_arc = 1 if step > 180 else 0
        if len(names) == 1:
            path = f"M{CENTRE},{CENTRE - RADIUS}a{RADIUS},{RADIUS} 0 1,1 0,{2 * RADIUS}" + (
                f"a{RADIUS},{RADIUS} 0 1,1 0,{-2 * RADIUS}z"
            )
        else:
            path = (
                f"M{CENTRE},{CENTRE}L{x1:.2f},{y1:.2f}"
                f"A{RADIUS},{RADIUS} 0 {large_arc},1 {x2:.2f},{y2:.2f}z"
            )
        middle = start + step / 2
        label_x, label_y = _point(middle, LABEL_RADIUS)
        slices.append(
            Slice(
                path=path,
                label=_short(name),
                label_x=round(label_x, 2),
                label_y=round(label_y, 2),
                # Along the radius, reading outwards; flipped on the left half to stay upright.
                label_angle=round(middle - 90 if middle <= 180 else middle + 90, 2),
                shade=index % 2 if len(names) % 2 == 0 or index < len(names) - 1 else 2,
            )
        )
    return slices
