"""Charts as SVG images from matplotlib, embedded as ``data:`` URIs.

An SVG shown through ``<img>`` is its own document: the page's CSP (no inline
style, no script) is untouched, and the image cannot run anything. Each chart has
a text alternative; the table beside it holds the same numbers.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from dataclasses import dataclass

from .suppression import CountTable


@dataclass(frozen=True)
class Chart:
    data_uri: str
    alt: str


def bar_chart(table: CountTable, *, labels: Sequence[str] | None = None) -> Chart:
    """Horizontal bars of a one-column table (row labels against counts)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    names = list(labels or table.row_labels)
    counts = [row[0] for row in table.cells]
    figure = Figure(figsize=(6, 0.45 * len(names) + 0.8))
    axes = figure.add_subplot()
    positions = list(range(len(names)))
    axes.barh(positions, counts, color="#0b4f8a")
    axes.set_yticks(positions, labels=names)
    axes.invert_yaxis()
    locator = axes.xaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):  # the default (AutoLocator) is one
        locator.set_params(integer=True)
    for position, count in zip(positions, counts, strict=True):
        axes.text(count, position, f" {count}", va="center")
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    alt = f"{table.title}: " + "; ".join(
        f"{name} {count}" for name, count in zip(names, counts, strict=True)
    )
    return Chart(data_uri=f"data:image/svg+xml;base64,{encoded}", alt=alt)
