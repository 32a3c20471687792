"""Run every benchmark: ``python -m bench [NAME_FILTER ...]``.

Imports each ``bench/bench_*.py`` module and calls its ``main()``. With arguments, only the
modules whose name contains one of them run (``python -m bench intake sync``).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def _modules(filters: list[str]) -> list[str]:
    names = sorted(p.stem for p in Path(__file__).resolve().parent.glob("bench_*.py"))
    wanted = [f.replace("-", "_") for f in filters]  # ``moodle-lab`` runs bench_moodle_lab
    return [n for n in names if not wanted or any(f in n for f in wanted)]


def run(argv: list[str]) -> int:
    """Run the selected benchmarks in name order; returns the process exit code."""
    names = _modules(argv)
    if not names:
        print(f"Aucun banc d'essai ne correspond à : {' '.join(argv)}", file=sys.stderr)
        return 2
    for name in names:
        print(f"=== {name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        module.main()
        print(flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
