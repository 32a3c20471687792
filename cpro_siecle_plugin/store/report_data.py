"""The apply report as JSON-able data, to keep it with the run in the ledger, and back."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ..reports.report import AccountLine, ChangeLine, CohortLine, FailureLine, Report


def report_to_data(report: Report) -> dict[str, Any]:
    """Plain JSON-able form of ``report`` (tuples become lists)."""
    data: dict[str, Any] = _lists(asdict(report))
    return data


def report_from_data(data: dict[str, Any]) -> Report:
    """Rebuild a ``Report`` stored by :func:`report_to_data`."""
    def lines(name: str, cls: type[Any]) -> tuple[Any, ...]:
        return tuple(cls(**_tuples(item)) for item in data.get(name, ()))

    plain = {k: v for k, v in data.items()
             if k not in ("cohorts", "accounts", "changes", "failures")}
    plain = _tuples(plain)
    return Report(
        **plain,
        cohorts=lines("cohorts", CohortLine),
        accounts=lines("accounts", AccountLine),
        changes=lines("changes", ChangeLine),
        failures=lines("failures", FailureLine),
    )


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def _tuples(item: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}
