"""Whether two `inspect --firms` result folders (e.g. Spark's and DuckDB's over the same evidence) found the
same: per firm, findings.json without what names the run (run ID, time, engine), and every offending-row
CSV as a sorted multiset of lines (engines need not return rows in the same order).

    .venv/bin/python bench/same_findings.py RESULTS_A RESULTS_B

Prints one line per firm and a total; exit 1 when any firm differs or is missing on one side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

RUN_KEYS = ("run_id", "generated_at", "engine")


def findings(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if k not in RUN_KEYS}


def offending(firm: Path) -> dict[str, list[str]]:
    """Each offending CSV under the firm's result folder, as its sorted lines."""
    return {str(p.relative_to(firm)): sorted(p.read_text(encoding="utf-8").splitlines())
            for p in sorted(firm.rglob("offending*/**/*.csv"))}


def compare(a: Path, b: Path) -> list[str]:
    """What differs between one firm's two result folders (empty: the same)."""
    wrong: list[str] = []
    fa, fb = findings(a / "findings.json"), findings(b / "findings.json")
    if fa != fb:
        keys = sorted(k for k in {*fa, *fb} if fa.get(k) != fb.get(k))
        wrong.append(f"findings.json differs in {keys}")
        if "findings" in keys:
            for x, y in zip(fa["findings"], fb["findings"], strict=False):
                if x != y:
                    wrong.append(f"  {x.get('requirement_id')}: {x.get('status')} / {y.get('status')}")
    oa, ob = offending(a), offending(b)
    if set(oa) != set(ob):
        wrong.append(f"offending files differ: {sorted(set(oa) ^ set(ob))}")
    wrong += [f"{name}: rows differ ({len(oa[name])} / {len(ob[name])} lines)"
              for name in sorted(set(oa) & set(ob)) if oa[name] != ob[name]]
    return wrong


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    args = parser.parse_args()
    firms_a = {p.parent.name for p in args.a.glob("*/findings.json")}
    firms_b = {p.parent.name for p in args.b.glob("*/findings.json")}
    bad = 0
    for firm in sorted(firms_a | firms_b):
        if firm not in firms_a or firm not in firms_b:
            print(f"{firm}: only in {args.a if firm in firms_a else args.b}")
            bad += 1
            continue
        wrong = compare(args.a / firm, args.b / firm)
        checks = sum(len(f["checks"]) for f in findings(args.a / firm / "findings.json")["findings"])
        files = len(offending(args.a / firm))
        print(f"{firm}: " + ("same findings.json (" + f"{checks} check outcomes) and {files} offending CSVs"
                              if not wrong else "DIFFERENT\n  " + "\n  ".join(wrong)))
        bad += bool(wrong)
    print(f"{len(firms_a | firms_b) - bad} of {len(firms_a | firms_b)} firms the same")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
