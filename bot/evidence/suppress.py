"""Small-count protection, the one rule every page, JSON answer and export applies.

* A count under 5 is published as ``<5`` (primary suppression).
* Secondary suppression (shown as ``x``): a line (a row with its total, a column with its total, the
  row totals or the column totals with the grand total) with exactly one hidden value would give it
  back by subtraction, so the smallest shown value of the line is hidden too (a cell before a total).
  Then every line's sum is used the way a reader would (``<5`` is 0 to 4, ``x`` is 5 or more) to
  narrow what each hidden value can be; while a hidden count of 1-4 is pinned to one value, the
  smallest shown value beside it is hidden as well. Lines are combined exactly (linear programming)
  for tables with up to 150 hidden small counts, one by one above that. Each table is protected on its own: pages show a
  margin (topic totals, language totals) in one table only.
* A rate is published only when its denominator is 10 or more and neither the numerator nor the rest
  of the denominator is under 5 (a rate over a shown denominator would give the small count back).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 5
MIN_RATE_DENOMINATOR = 10
# Up to this many hidden small counts in a table, the check combines all its lines (linear programming,
# a few milliseconds per count); above it, lines are checked one by one.
EXACT_LIMIT = 150
SMALL = "<5"
HIDDEN = "x"


@dataclass(frozen=True)
class Published:
    """A table as it may be shown: every value is a count (as text), ``<5`` or ``x``."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    column_totals: tuple[str, ...]
    total: str


class _Grid:
    """A table as one list of values (cells, row totals, column totals, grand total) and the lines that sum."""

    def __init__(self, matrix: Sequence[Sequence[int]]) -> None:
        self.n_rows = len(matrix)
        self.n_cols = len(matrix[0]) if self.n_rows else 0
        inner = [v for row in matrix for v in row]
        row_totals = [sum(row) for row in matrix]
        col_totals = [sum(matrix[r][c] for r in range(self.n_rows)) for c in range(self.n_cols)]
        self.values = [*inner, *row_totals, *col_totals, sum(row_totals)]
        n, rows, cols = len(inner), self.n_rows, self.n_cols
        self.row_total = [n + r for r in range(rows)]
        self.col_total = [n + rows + c for c in range(cols)]
        self.grand = n + rows + cols
        # Each line: the parts, then the index of their total.
        self.lines: list[tuple[list[int], int]] = [
            *(([r * cols + c for c in range(cols)], self.row_total[r]) for r in range(rows)),
            *(([r * cols + c for r in range(rows)], self.col_total[c]) for c in range(cols)),
            (self.row_total, self.grand),
            (self.col_total, self.grand),
        ]
        self.hidden = [v < THRESHOLD for v in self.values]

    def hide_smallest(self, candidates: list[int]) -> bool:
        """Hide the smallest shown value among the candidates (parts before totals); False if none is shown."""
        shown = [i for i in candidates if not self.hidden[i]]
        if not shown:
            return False
        self.hidden[min(shown, key=lambda i: (i >= self.n_rows * self.n_cols, self.values[i], i))] = True
        return True

    def known(self) -> tuple[list[float], list[float]]:
        """What a value's label says: shown ones exactly, ``<5`` as 0-4, ``x`` as 5 or more."""
        pairs = [(float(v), float(v)) if not h else (0.0, THRESHOLD - 1.0) if v < THRESHOLD else (float(THRESHOLD), math.inf)
                 for v, h in zip(self.values, self.hidden, strict=True)]
        return [p[0] for p in pairs], [p[1] for p in pairs]

    def bounds(self) -> tuple[list[float], list[float]]:
        """What a reader can infer of every value: shown ones exactly, ``<5`` as 0-4, ``x`` as 5 or more,
        narrowed by every line's sum until nothing changes."""
        low, high = self.known()
        changed = True
        while changed:
            changed = False
            for parts, total in self.lines:
                sum_low, sum_high = sum(low[i] for i in parts), sum(high[i] for i in parts)
                if sum_low > low[total] or sum_high < high[total]:
                    low[total], high[total] = max(low[total], sum_low), min(high[total], sum_high)
                    changed = True
                for i in parts:
                    new_low = max(low[i], low[total] - (sum_high - high[i]))
                    new_high = min(high[i], high[total] - (sum_low - low[i]))
                    if new_low > low[i] or new_high < high[i]:
                        sum_low += new_low - low[i]
                        sum_high += new_high - high[i]
                        low[i], high[i] = new_low, new_high
                        changed = True
        return low, high

    def pinned(self, exact: bool = False) -> list[int]:
        """Hidden small counts (1-4) a reader could work out (line by line, or by linear programming)."""
        low, high = self.bounds()
        small = [i for i, v in enumerate(self.values) if self.hidden[i] and 0 < v < THRESHOLD]
        found = [i for i in small if high[i] - low[i] < 1]
        if found or not small or not exact or len(small) > EXACT_LIMIT:
            return found
        return self._solved(small)

    def _solved(self, small: list[int]) -> list[int]:
        """The small counts pinned when all the lines are combined (what line-by-line narrowing misses)."""
        try:
            import numpy as np
            from scipy.optimize import linprog
        except ImportError:  # scipy comes with Rasa; without it the line-by-line check stands
            return []
        equations = np.zeros((len(self.lines), len(self.values)))
        for row, (parts, total) in enumerate(self.lines):
            equations[row, parts] = 1
            equations[row, total] = -1
        low, high = self.known()
        bounds = [(lo, None if hi == math.inf else hi) for lo, hi in zip(low, high, strict=True)]
        zero = np.zeros(len(self.lines))
        found = []
        for i in small:
            objective = np.zeros(len(self.values))
            objective[i] = 1
            least = linprog(objective, A_eq=equations, b_eq=zero, bounds=bounds, method="highs")
            most = linprog(-objective, A_eq=equations, b_eq=zero, bounds=bounds, method="highs")
            if least.status == 0 and most.status == 0 and -most.fun - least.fun < 1:
                found.append(i)
        return found

    def lines_of(self, index: int) -> list[list[int]]:
        """The lines a value is in, each as all its members."""
        return [[*parts, total] for parts, total in self.lines if index == total or index in parts]


def hide(matrix: Sequence[Sequence[int]]) -> tuple[list[list[bool]], list[bool], list[bool], bool]:
    """Which inner cells, row totals, column totals and grand total to hide."""
    grid = _Grid(matrix)
    changed = True
    while changed:
        changed = False
        for parts, total in grid.lines:
            if sum(grid.hidden[i] for i in (*parts, total)) == 1:
                changed |= grid.hide_smallest([*parts, total])
        if changed:
            continue
        for index in grid.pinned(exact=True):
            members = sorted({i for line in grid.lines_of(index) for i in line})
            if grid.hide_smallest(members) or grid.hide_smallest(list(range(len(grid.values)))):
                changed = True
                break
    cols = grid.n_cols
    cells = [grid.hidden[r * cols:(r + 1) * cols] for r in range(grid.n_rows)]
    return (cells, [grid.hidden[i] for i in grid.row_total], [grid.hidden[i] for i in grid.col_total],
            grid.hidden[grid.grand])


def show(value: int, hidden: bool) -> str:
    """A count as published."""
    if not hidden:
        return str(value)
    return SMALL if value < THRESHOLD else HIDDEN


def publish(rows: Sequence[str], columns: Sequence[str], matrix: Sequence[Sequence[int]]) -> Published:
    """A table of counts (rows x columns) with its totals, protected."""
    if not rows:
        return Published((), tuple(columns), (), (), tuple(SMALL for _ in columns), SMALL)
    cells, rows_hidden, cols_hidden, total_hidden = hide(matrix)
    row_totals = [sum(row) for row in matrix]
    col_totals = [sum(matrix[r][c] for r in range(len(matrix))) for c in range(len(columns))]
    return Published(
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(tuple(show(matrix[r][c], cells[r][c]) for c in range(len(columns))) for r in range(len(rows))),
        row_totals=tuple(show(v, h) for v, h in zip(row_totals, rows_hidden, strict=True)),
        column_totals=tuple(show(v, h) for v, h in zip(col_totals, cols_hidden, strict=True)),
        total=show(sum(row_totals), total_hidden),
    )


def publish_list(labels: Sequence[str], values: Sequence[int]) -> Published:
    """A one-column table (counts by one category) with its total, protected."""
    return publish(labels, [""], [[v] for v in values])


def rate(numerator: int, denominator: int) -> float | None:
    """A share that may be published, or None."""
    if denominator < MIN_RATE_DENOMINATOR or numerator < THRESHOLD or denominator - numerator < THRESHOLD:
        return None
    return numerator / denominator
