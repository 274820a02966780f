"""A key's calls a day as a bar chart drawn on the server (templates/_usage_chart.html):
the shapes worked out here, so that the template only places them. Accepted calls stand at
the bottom of each day's bar and refused ones on top, in two colours; the same numbers are
in a table beside it, for readers who do not see the chart."""

from dataclasses import dataclass

from app.keys.usage_history import Usage

WIDTH, HEIGHT = 640, 180  # the drawing's own units (it scales to its box)
LEFT, BOTTOM, TOP = 44, 24, 10  # room for the scale and the dates
SLOT_FILL = 0.75  # of each day's slot, the bar's width


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    width: float
    accepted_y: float
    accepted_height: float
    refused_y: float
    refused_height: float
    day: str  # ISO date
    accepted: int
    refused: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    left: int
    baseline: float  # y of zero
    top: float  # y of the scale's top
    scale: int  # the number the top stands for
    bars: tuple[Bar, ...]
    first_day: str
    last_day: str


def chart_of(usage: Usage) -> Chart:
    scale = _rounded_up(usage.busiest)
    baseline, top = float(HEIGHT - BOTTOM), float(TOP)
    per_call = (baseline - top) / scale
    slot = (WIDTH - LEFT) / max(len(usage.days), 1)
    bars = []
    for n, day in enumerate(usage.days):
        accepted_height = day.accepted * per_call
        refused_height = day.refused_total * per_call
        bars.append(
            Bar(
                x=round(LEFT + n * slot + slot * (1 - SLOT_FILL) / 2, 2),
                width=round(slot * SLOT_FILL, 2),
                accepted_y=round(baseline - accepted_height, 2),
                accepted_height=round(accepted_height, 2),
                refused_y=round(baseline - accepted_height - refused_height, 2),
                refused_height=round(refused_height, 2),
                day=day.day.isoformat(),
                accepted=day.accepted,
                refused=day.refused_total,
            )
        )
    days = usage.days
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        baseline=baseline,
        top=top,
        scale=scale,
        bars=tuple(bars),
        first_day=days[0].day.isoformat() if days else "",
        last_day=days[-1].day.isoformat() if days else "",
    )


def _rounded_up(busiest: int) -> int:
    """The scale's top: the busiest day rounded up to 1, 2 or 5 times a power of ten, so
    that the one number on the scale reads easily (1 for a key never called)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if busiest <= step * factor:
                return step * factor
        step *= 10
