"""Server-rendered SVG: the lifecycle diagram and the programme timeline.

Pure functions from data to markup, so pages need no JavaScript and the charts can be
tested as text. Each chart has a title and a description for screen readers, and the
pages put the same facts in a table beside it. Colours are the GOV.UK palette; every
state also carries its name as text, so colour is never the only cue.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from markupsafe import Markup, escape

from workflow.application.queries.progress import TimelineRow
from workflow.domain.stages import Stage

LABELS = {
    Stage.SCOPING: "Scoping",
    Stage.FIELDWORK: "Fieldwork",
    Stage.DRAFTING: "Drafting",
    Stage.JOINT_SIGNOFF: "Joint sign-off",
    Stage.PUBLICATION: "Publication",
    Stage.FOLLOW_UP: "Follow-up",
    Stage.CLOSED: "Closed",
    Stage.PAUSED: "Paused",
    Stage.WITHDRAWN: "Withdrawn",
}
COLOURS = {
    Stage.SCOPING: "#5694ca",
    Stage.FIELDWORK: "#1d70b8",
    Stage.DRAFTING: "#912b88",
    Stage.JOINT_SIGNOFF: "#f47738",
    Stage.PUBLICATION: "#00703c",
    Stage.FOLLOW_UP: "#28a197",
    Stage.CLOSED: "#505a5f",
    Stage.PAUSED: "#b1b4b6",
    Stage.WITHDRAWN: "#d4351c",
}
BLACK, BLUE, GREY, LIGHT = "#0b0c0c", "#1d70b8", "#505a5f", "#f3f2f1"
MAIN_PATH = (
    Stage.SCOPING,
    Stage.FIELDWORK,
    Stage.DRAFTING,
    Stage.JOINT_SIGNOFF,
    Stage.PUBLICATION,
    Stage.FOLLOW_UP,
    Stage.CLOSED,
)


def label(state: str) -> str:
    try:
        return LABELS[Stage(state)]
    except ValueError:
        return state


def colour(state: str) -> str:
    try:
        return COLOURS[Stage(state)]
    except ValueError:
        return GREY


def _e(text: object) -> str:
    return str(escape(str(text)))


# -- the lifecycle ---------------------------------------------------------------------
BOX_W, BOX_H, GAP, TOP = 118, 44, 20, 70


def _box_x(i: int) -> int:
    return 10 + i * (BOX_W + GAP)


def _box(x: int, y: int, state: Stage, current: bool, visited: bool) -> str:
    fill = BLUE if current else ("#d2e2f1" if visited else "#ffffff")
    text = "#ffffff" if current else BLACK
    width = 4 if current else 2
    marker = ' aria-current="step"' if current else ""
    parts = [
        f'<g class="lifecycle-state" data-state="{state.value}"{marker}>',
        f'<rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" fill="{fill}" '
        f'stroke="{BLACK if current else GREY}" stroke-width="{width}"/>',
        f'<text x="{x + BOX_W // 2}" y="{y + 27}" text-anchor="middle" font-size="15" '
        f'font-weight="{"bold" if current else "normal"}" fill="{text}">'
        f"{_e(LABELS[state])}</text>",
    ]
    if current:
        parts.append(
            f'<text x="{x + BOX_W // 2}" y="{y - 8}" text-anchor="middle" font-size="13" '
            f'font-weight="bold" fill="{BLACK}">▼ now</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def _arrow(x1: float, y1: float, x2: float, y2: float, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    return (
        f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{GREY}" stroke-width="2"'
        f'{dash} marker-end="url(#arrow)"/>'
    )


def lifecycle_svg(current: str, visited: Iterable[str] = ()) -> Markup:
    """The lifecycle with ``current`` marked (filled, bold, "now") and visited states tinted."""
    seen = set(visited)
    width = _box_x(len(MAIN_PATH)) + 0
    height = 300
    out = [
        f'<svg class="lifecycle" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="lifecycle-title lifecycle-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="lifecycle-title">The lifecycle of a work stream</title>',
        f'<desc id="lifecycle-desc">Scoping, fieldwork, drafting, joint sign-off, publication, '
        f"follow-up, closed. Any open state can be paused and resumed, or withdrawn. A body "
        f"that asks for changes at joint sign-off sends the draft back to drafting. A scoping "
        f"study closes after scoping. The current state is {_e(label(current))}.</desc>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{GREY}"/></marker></defs>',
    ]
    y = TOP
    for i, state in enumerate(MAIN_PATH):
        x = _box_x(i)
        out.append(_box(x, y, state, state.value == current, state.value in seen))
        if i + 1 < len(MAIN_PATH):
            out.append(_arrow(x + BOX_W, y + BOX_H / 2, x + BOX_W + GAP, y + BOX_H / 2))
    # Conclude scoping: a scoping study goes from scoping straight to closed.
    x0, x6 = _box_x(0) + BOX_W - 20, _box_x(6) + BOX_W / 2
    out.append(
        f'<path d="M{x0},{y} C{x0},{y - 55} {x6},{y - 55} {x6},{y - 2}" fill="none" '
        f'stroke="{GREY}" stroke-width="2" stroke-dasharray="5 4" marker-end="url(#arrow)"/>'
        f'<text x="{(x0 + x6) / 2}" y="{y - 50}" text-anchor="middle" font-size="13" '
        f'fill="{BLACK}">conclude scoping (scoping studies)</text>'
    )
    # Send back: joint sign-off to drafting when a body requests changes.
    xs, xd, yb = _box_x(3) + BOX_W / 2, _box_x(2) + BOX_W / 2, y + BOX_H
    out.append(
        f'<path d="M{xs},{yb} C{xs},{yb + 40} {xd},{yb + 40} {xd},{yb + 2}" fill="none" '
        f'stroke="{GREY}" stroke-width="2" marker-end="url(#arrow)"/>'
        f'<text x="{(xs + xd) / 2}" y="{yb + 46}" text-anchor="middle" font-size="13" '
        f'fill="{BLACK}">send back</text>'
    )
    # Pause and withdraw: from any open state (the bracket under scoping to follow-up).
    yl = y + BOX_H + 62
    left, right = _box_x(0) + 10, _box_x(5) + BOX_W - 10
    out.append(
        f'<line x1="{left}" y1="{yl}" x2="{right}" y2="{yl}" stroke="{GREY}" stroke-width="2" '
        f'stroke-dasharray="5 4"/><text x="{left}" y="{yl - 6}" font-size="13" '
        f'fill="{BLACK}">from any open state</text>'
    )
    yb2 = yl + 60
    px, wx = _box_x(1) + GAP, _box_x(4)
    out.append(_arrow(px + BOX_W / 2 - 15, yl, px + BOX_W / 2 - 15, yb2 - 2))
    out.append(_arrow(px + BOX_W / 2 + 15, yb2, px + BOX_W / 2 + 15, yl + 2))
    out.append(
        f'<text x="{px + BOX_W / 2 + 24}" y="{yl + 34}" font-size="13" '
        f'fill="{BLACK}">pause / resume</text>'
    )
    out.append(_arrow(wx + BOX_W / 2, yl, wx + BOX_W / 2, yb2 - 2))
    out.append(
        f'<text x="{wx + BOX_W / 2 + 8}" y="{yl + 34}" font-size="13" '
        f'fill="{BLACK}">withdraw (with a reason)</text>'
    )
    out.append(_arrow(px + BOX_W, yb2 + BOX_H / 2, wx - 2, yb2 + BOX_H / 2, dashed=True))
    out.append(_box(px, yb2, Stage.PAUSED, current == Stage.PAUSED, Stage.PAUSED in seen))
    out.append(_box(wx, yb2, Stage.WITHDRAWN, current == Stage.WITHDRAWN, False))
    out.append("</svg>")
    # Every piece of text in ``out`` went through _e (escaped): the markup is ours.
    return Markup("".join(out))  # noqa: S704


# -- the programme timeline ---------------------------------------------------------
@dataclass(frozen=True)
class Axis:
    start: date
    end: date
    x0: int
    width: int

    def x(self, moment: date | datetime) -> float:
        day = moment.date() if isinstance(moment, datetime) else moment
        span = max((self.end - self.start).days, 1)
        return self.x0 + self.width * (day - self.start).days / span


def _axis_range(rows: Sequence[TimelineRow], today: date) -> tuple[date, date]:
    dates: list[date] = [today]
    for row in rows:
        dates += [d for d in (row.planned_start, row.planned_end) if d]
        dates += [p.start.date() for p in row.periods]
    start, end = min(dates), max(dates)
    # Whole quarters either side, so the ticks fall on round dates.
    start = date(start.year, ((start.month - 1) // 3) * 3 + 1, 1)
    end_q = ((end.month - 1) // 3 + 1) * 3 + 1
    end = date(end.year + (end_q > 12), (end_q - 1) % 12 + 1, 1)
    return start, end


def _ticks(start: date, end: date) -> list[date]:
    years = end.year - start.year
    step = 3 if years <= 3 else 12  # quarters for a short span, years for a long one
    ticks, moment = [], date(start.year, start.month, 1)
    if step == 12:
        moment = date(start.year + (start.month > 1), 1, 1)
    while moment <= end:
        ticks.append(moment)
        month = moment.month - 1 + step
        moment = date(moment.year + month // 12, month % 12 + 1, 1)
    return ticks


def timeline_svg(rows: Sequence[TimelineRow], today: date) -> Markup:
    """One row per work stream: the planned window (outlined) and, inside it, the periods
    actually spent in each state (filled, by colour and by name in the tooltip)."""
    label_w, chart_w, row_h, head = 300, 640, 30, 40
    start, end = _axis_range(rows, today)
    axis = Axis(start, end, label_w, chart_w)
    height = head + row_h * max(len(rows), 1) + 70
    width = label_w + chart_w + 20
    out = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="timeline-title timeline-desc" xmlns="http://www.w3.org/2000/svg">',
        '<title id="timeline-title">Programme timeline: planned against actual</title>',
        f'<desc id="timeline-desc">For each of {len(rows)} work streams, an outlined bar shows '
        f"the planned publication window and coloured bars show the periods spent in each "
        f"state, from {start:%B %Y} to {end:%B %Y}. The same facts are in the table below."
        f"</desc>",
    ]
    for tick in _ticks(start, end):
        x = axis.x(tick)
        text = f"{tick:%Y}" if tick.month == 1 and (end.year - start.year) > 3 else f"{tick:%b %Y}"
        out.append(
            f'<line x1="{x:.1f}" y1="{head - 6}" x2="{x:.1f}" y2="{height - 60}" '
            f'stroke="#dddddd" stroke-width="1"/>'
            f'<text x="{x:.1f}" y="{head - 12}" font-size="12" text-anchor="middle" '
            f'fill="{GREY}">{_e(text)}</text>'
        )
    for i, row in enumerate(rows):
        y = head + i * row_h
        if i % 2:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="{LIGHT}"/>')
        title = row.title if len(row.title) <= 40 else row.title[:38] + "…"
        out.append(
            f'<text x="6" y="{y + 19}" font-size="13" fill="{BLACK}">'
            f"<title>{_e(row.title)} ({_e(row.ref)})</title>{_e(title)}</text>"
        )
        if row.planned_end:
            p0 = axis.x(row.planned_start or row.planned_end)
            p1 = axis.x(row.planned_end + timedelta(days=1))
            out.append(
                f'<rect class="planned" x="{p0:.1f}" y="{y + 4}" width="{max(p1 - p0, 2):.1f}" '
                f'height="{row_h - 8}" fill="none" stroke="{BLACK}" stroke-width="1.5" '
                f'stroke-dasharray="4 3"><title>planned: {_e(row.planned_text or "")} '
                f"({row.planned_start} to {row.planned_end})</title></rect>"
            )
        for period in row.periods:
            a = axis.x(period.start)
            b = axis.x(period.end or datetime.combine(today, datetime.min.time()))
            until = f"{period.end:%d %b %Y}" if period.end else "now"
            out.append(
                f'<rect class="actual" data-state="{_e(period.state)}" x="{a:.1f}" '
                f'y="{y + 10}" width="{max(b - a, 3):.1f}" height="{row_h - 20}" '
                f'fill="{colour(period.state)}"><title>{_e(label(period.state))}: '
                f"{period.start:%d %b %Y} to {until}</title></rect>"
            )
    tx = axis.x(today)
    out.append(
        f'<line x1="{tx:.1f}" y1="{head - 4}" x2="{tx:.1f}" y2="{height - 60}" '
        f'stroke="#d4351c" stroke-width="2" stroke-dasharray="6 3"/>'
        f'<text x="{tx - 4:.1f}" y="{height - 46}" font-size="12" text-anchor="end" '
        f'fill="#d4351c">today</text>'
    )
    lx, ly = 6, height - 22
    out.append(
        f'<rect x="{lx}" y="{ly - 11}" width="26" height="14" fill="none" stroke="{BLACK}" '
        f'stroke-dasharray="4 3"/><text x="{lx + 32}" y="{ly}" font-size="12" '
        f'fill="{BLACK}">planned window</text>'
    )
    lx += 140
    for state in Stage:
        out.append(
            f'<rect x="{lx}" y="{ly - 9}" width="12" height="10" fill="{COLOURS[state]}"/>'
            f'<text x="{lx + 16}" y="{ly}" font-size="12" fill="{BLACK}">'
            f"{_e(LABELS[state])}</text>"
        )
        lx += 22 + 7 * len(LABELS[state])
    out.append("</svg>")
    # Every piece of text in ``out`` went through _e (escaped): the markup is ours.
    return Markup("".join(out))  # noqa: S704
