"""Bar charts as inline SVG, drawn on the server for staff report pages: no JavaScript, nothing
fetched, the numbers written beside the bars (the same numbers as the table below each chart)."""
from html import escape

WIDTH, BAR, GAP, LABEL = 640, 22, 8, 200


def bar_chart(title: str, bars: list[tuple[str, float]], *, unit: str = "") -> str:
    """Horizontal bars, one per (label, value), as SVG markup with every label escaped (a page
    marks it safe to insert)."""
    top = max((value for _, value in bars), default=0) or 1
    height = len(bars) * (BAR + GAP) + GAP
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" '
             f'xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}"><title>{escape(title)}</title>']
    for index, (label, value) in enumerate(bars):
        y = GAP + index * (BAR + GAP)
        length = round((WIDTH - LABEL - 80) * value / top)
        shown = f"{value:g}{unit}"
        parts.append(
            f'<text x="{LABEL - 6}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#222">{escape(label)}</text>'
            f'<rect x="{LABEL}" y="{y}" width="{length}" height="{BAR}" fill="#1d5f8a">'
            f'<title>{escape(label)}: {escape(shown)}</title></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + 16}" font-size="13" fill="#222">'
            f'{escape(shown)}</text>')
    parts.append("</svg>")
    return "".join(parts)
