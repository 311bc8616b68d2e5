"""The demo's relational generator: its pseudo-random columns are reproducible from the seed alone,
different per seed, uniform, and independent from one column to the next."""

from __future__ import annotations

import numpy as np

from ccaudit.demo.relational import connect, weighted_slots

ROWS = 200_000


def _draws(seed: int, streams: tuple[int, ...]) -> np.ndarray:
    con = connect(seed)
    try:
        cols = ", ".join(f"u({s}, range)" for s in streams)
        return np.array(con.execute(f"SELECT {cols} FROM range({ROWS}) ORDER BY range").fetchall())
    finally:
        con.close()


def test_the_same_seed_gives_the_same_columns_and_another_seed_others() -> None:
    first, again, other = _draws(7, (1, 2)), _draws(7, (1, 2)), _draws(8, (1, 2))
    assert np.array_equal(first, again)
    assert np.mean(first == other) < 0.001


def test_columns_are_uniform_and_independent_of_each_other() -> None:
    draws = _draws(2026, (1, 2, 3, 1000))
    assert draws.min() >= 0.0 and draws.max() < 1.0
    counts = np.stack([np.histogram(draws[:, k], bins=10, range=(0, 1))[0] for k in range(4)])
    assert np.all(np.abs(counts - ROWS / 10) < 0.03 * ROWS / 10)  # each tenth within 3% of its share
    corr = np.corrcoef(draws.T)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 0.01)  # DuckDB's hash(seed, s, i) alone: -0.6


def test_normal_columns_have_mean_zero_and_unit_spread() -> None:
    con = connect(3)
    try:
        mean, sd = con.execute(f"SELECT avg(normal(5, range)), stddev(normal(5, range)) FROM range({ROWS})").fetchone()
    finally:
        con.close()
    assert abs(mean) < 0.01 and abs(sd - 1) < 0.01


def test_weighted_slots_give_each_item_its_share() -> None:
    slots = weighted_slots(np.array([1.0, 3.0, 0.0, 4.0]), 800)
    assert len(slots) == 800
    assert np.bincount(slots, minlength=4).tolist() == [100, 300, 0, 400]
