"""``python -m bench`` finds every bench module and filters them by name."""

from __future__ import annotations

from bench.__main__ import _modules, run


def test_runner_finds_every_bench_module_and_filters_by_name() -> None:
    """All bench_*.py modules are found; a filter keeps the matching ones only."""
    assert "bench_intake" in _modules([])
    assert _modules(["intake"]) == ["bench_intake"]


def test_runner_refuses_a_filter_matching_nothing() -> None:
    """An unknown name is an error, not a silent success."""
    assert run(["no-such-bench"]) == 2
