"""The export benchmark runs in quick mode: its rows, their baselines and the target."""

from __future__ import annotations

import pytest

from benchmarks import bench_export


def test_quick_run_compares_the_export_with_the_ideal_and_with_raw_aiohttp() -> None:
    rows = {row["case"]: row for row in bench_export.run(quick=True)}
    assert list(rows) == [
        "items.export, N = 1,000, C = 4",
        "raw aiohttp, no decoding, N = 1,000, C = 4",
        "items.export, C = 4, cold connections",
        "items.export, C = 4 on a pool of 4",
    ]
    ideal = 10 * 0.01 / 4  # 10 pages of 100, L = 10 ms, C = 4
    for row in rows.values():
        assert row["baseline"] == pytest.approx(ideal)
        assert row["ratio"] == pytest.approx(row["ours"] / ideal)
        assert row["ratio"] > 1  # nothing beats L per page
    export = rows["items.export, N = 1,000, C = 4"]
    assert export["target"] == "≤ 1.15x ideal"
    assert "connections warm" in export["note"]
    assert "raw aiohttp without decoding" in export["note"]
    assert "nothing decoded" in rows["raw aiohttp, no decoding, N = 1,000, C = 4"]["note"]
