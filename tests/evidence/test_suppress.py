"""Small counts never leak: no cell of 1-4 is shown, and no hidden cell can be worked out from what is shown."""

from __future__ import annotations

import random

import numpy as np
import pytest
from scipy.optimize import linprog

from bot.evidence.suppress import HIDDEN, SMALL, Published, publish, publish_list, rate


def _bounds(table: Published) -> dict[tuple[int, int], tuple[float, float]]:
    """What an attacker can learn of each hidden inner cell: its smallest and largest possible value.

    The attacker knows every shown count, that ``<5`` means 0-4 and ``x`` means 5 or more, and that the
    rows and columns add up to their totals (shown or hidden). Linear programming gives the exact range
    of each hidden cell under those constraints.
    """
    n_rows, n_cols = len(table.rows), len(table.columns)
    unknowns: list[tuple[str, int, int]] = []
    index: dict[tuple[str, int, int], int] = {}

    def var(kind: str, r: int, c: int) -> None:
        index[(kind, r, c)] = len(unknowns)
        unknowns.append((kind, r, c))

    for r in range(n_rows):
        for c in range(n_cols):
            var("cell", r, c)
        var("row", r, 0)
    for c in range(n_cols):
        var("col", 0, c)
    var("total", 0, 0)
    shown = {("cell", r, c): table.cells[r][c] for r in range(n_rows) for c in range(n_cols)}
    shown |= {("row", r, 0): table.row_totals[r] for r in range(n_rows)}
    shown |= {("col", 0, c): table.column_totals[c] for c in range(n_cols)}
    shown[("total", 0, 0)] = table.total
    bounds = []
    for key in unknowns:
        label = shown[key]
        bounds.append((0, 4) if label == SMALL else (5, None) if label == HIDDEN else (int(label), int(label)))
    equations = []
    for r in range(n_rows):
        row = np.zeros(len(unknowns))
        for c in range(n_cols):
            row[index[("cell", r, c)]] = 1
        row[index[("row", r, 0)]] = -1
        equations.append(row)
    for c in range(n_cols):
        col = np.zeros(len(unknowns))
        for r in range(n_rows):
            col[index[("cell", r, c)]] = 1
        col[index[("col", 0, c)]] = -1
        equations.append(col)
    grand = np.zeros(len(unknowns))
    for r in range(n_rows):
        grand[index[("row", r, 0)]] = 1
    grand[index[("total", 0, 0)]] = -1
    equations.append(grand)
    a_eq, b_eq = np.array(equations), np.zeros(len(equations))
    ranges = {}
    for r in range(n_rows):
        for c in range(n_cols):
            if table.cells[r][c] in (SMALL, HIDDEN):
                objective = np.zeros(len(unknowns))
                objective[index[("cell", r, c)]] = 1
                low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                assert low.status == 0 and high.status == 0
                ranges[(r, c)] = (low.fun, -high.fun)
    return ranges


def _assert_protected(matrix: list[list[int]]) -> Published:
    table = publish([f"r{i}" for i in range(len(matrix))], [f"c{j}" for j in range(len(matrix[0]))], matrix)
    shown = [*[v for row in table.cells for v in row], *table.row_totals, *table.column_totals, table.total]
    assert not any(v in {"1", "2", "3", "4"} for v in shown)
    for (r, c), (low, high) in _bounds(table).items():
        if 0 < matrix[r][c] < 5:
            assert high - low >= 1, f"cell {r},{c} (value {matrix[r][c]}) can be worked out: {low}..{high}"
    return table


def test_a_count_under_five_is_shown_as_under_five_and_the_rest_as_counts() -> None:
    table = publish(["es", "fr"], ["asylum", "work"], [[12, 3], [20, 30]])
    assert table.cells[0][1] == SMALL
    assert table.cells[1] == ("x", "30") or table.cells[0][0] == "x"


def test_one_hidden_cell_in_a_row_hides_the_next_smallest_so_subtraction_gives_nothing() -> None:
    table = _assert_protected([[12, 3, 40], [20, 30, 50], [7, 8, 9]])
    assert table.cells[0][1] == SMALL
    assert table.cells[0].count(SMALL) + table.cells[0].count(HIDDEN) >= 2
    column = [table.cells[r][1] for r in range(3)]
    assert column.count(SMALL) + column.count(HIDDEN) >= 2


def test_a_small_total_is_hidden_and_its_margin_protected() -> None:
    table = _assert_protected([[1, 2], [30, 40], [50, 60]])
    assert table.row_totals[0] == SMALL
    assert sum(v in (SMALL, HIDDEN) for v in table.row_totals) >= 2


def test_a_one_column_list_hides_two_values_when_one_is_small() -> None:
    table = publish_list(["ask_asylum", "ask_work_permit", "report_emergency"], [40, 25, 3])
    assert [row[0] for row in table.cells].count("25") == 0 and table.cells[2][0] == SMALL
    assert table.total == "68"


@pytest.mark.parametrize("seed", range(300))
def test_random_tables_with_small_cells_give_no_small_count_back(seed: int) -> None:
    rng = random.Random(seed)
    rows, cols = rng.randint(2, 7), rng.randint(2, 6)
    matrix = [[rng.choice([0, 1, 2, 3, 4, rng.randint(5, 60)]) for _ in range(cols)] for _ in range(rows)]
    _assert_protected(matrix)


def test_rates_need_a_denominator_of_ten_and_no_small_part() -> None:
    assert rate(5, 9) is None
    assert rate(3, 40) is None  # 3 of 40 would give the small count back
    assert rate(38, 40) is None  # and so would the 2 left over
    assert rate(10, 40) == 0.25
