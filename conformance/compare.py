#!/usr/bin/env python3
"""Compare normalised results: expected (SDK) vs actual (e.g. todokit over HTTP).

  .venv/bin/python compare.py expected/ actual/          # directories of <case>.json
  .venv/bin/python compare.py expected/foo.json actual/foo.json
  .venv/bin/python compare.py expected/ actual/ --allow differences.json

Rules:
- Records are compared step by step, in order.
- {"kind":"error"} records match any other error record (extra keys such as
  "exception", "status", "partial_events" are informational and ignored).
- Every other record must be identical *including object key order* (the
  documents are compared via their compact JSON dumps), because ChatKit's
  wire format has a fixed key order.
Exit status 0 when everything matches, 1 otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _dump(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _subset(want: Any, got: Any) -> bool:
    if isinstance(want, dict):
        return isinstance(got, dict) and all(k in got and _subset(v, got[k]) for k, v in want.items())
    return want == got


def load_allowed(path: Path | None) -> dict[tuple[str, int], dict]:
    """Documented, intended differences (differences.json): (case, step) -> entry whose
    "actual" is a subset our record must match; every entry needs a "reason"."""
    if path is None:
        return {}
    out = {}
    for d in json.loads(path.read_text()):
        assert d.get("reason"), f"difference without a reason: {d}"
        out[(d["case"], d["step"])] = d
    return out


def compare_case(name: str, exp: list, act: list, allowed: dict | None = None) -> list[str]:
    problems: list[str] = []
    allowed = allowed or {}
    cut = min((s for (c, s), d in allowed.items() if c == name and d.get("rest")), default=None)
    if len(exp) != len(act) and cut is None:
        problems.append(f"{name}: {len(exp)} expected steps, {len(act)} actual")
    for i, (e, a) in enumerate(zip(exp, act)):
        if cut is not None and i > cut:
            break  # the rest of the case depends on a step we answer differently on purpose
        doc = allowed.get((name, i))
        if doc is not None:
            allowed_used.add((name, i))
            if _subset(doc["actual"], a):
                continue
            problems.append(f"{name}[{i}]: documented difference not met: want {_dump(doc['actual'])}, got {_dump(a)}")
            continue
        if e.get("kind") == "error" or a.get("kind") == "error":
            if e.get("kind") != a.get("kind"):
                problems.append(f"{name}[{i}]: expected kind {e.get('kind')}, got {a.get('kind')}")
            continue
        if _dump(e) == _dump(a):
            continue
        if e == a:
            problems.append(f"{name}[{i}]: same content, different key order")
            continue
        # locate the first differing event for a readable message
        ee, ae = e.get("events"), a.get("events")
        if isinstance(ee, list) and isinstance(ae, list):
            for j, (x, y) in enumerate(zip(ee, ae)):
                if _dump(x) != _dump(y):
                    problems.append(f"{name}[{i}] event {j}:\n  expected {_dump(x)}\n  actual   {_dump(y)}")
                    break
            else:
                problems.append(f"{name}[{i}]: {len(ee)} expected events, {len(ae)} actual")
        else:
            problems.append(f"{name}[{i}]:\n  expected {_dump(e)}\n  actual   {_dump(a)}")
    return problems


allowed_used: set = set()


def main(argv: list[str]) -> int:
    allow_path = None
    if "--allow" in argv:
        k = argv.index("--allow")
        allow_path = Path(argv[k + 1])
        argv = argv[:k] + argv[k + 2:]
    if len(argv) != 3:
        print(__doc__)
        return 2
    allowed = load_allowed(allow_path)
    exp_p, act_p = Path(argv[1]), Path(argv[2])
    pairs: list[tuple[str, Path, Path]] = []
    if exp_p.is_dir():
        for f in sorted(exp_p.glob("*.json")):
            pairs.append((f.stem, f, act_p / f.name))
    else:
        pairs.append((exp_p.stem, exp_p, act_p))
    problems: list[str] = []
    passed: list[str] = []
    for name, e, a in pairs:
        if not a.exists():
            problems.append(f"{name}: missing {a}")
            continue
        found = compare_case(name, json.loads(e.read_text()), json.loads(a.read_text()), allowed)
        problems += found
        if not found:
            passed.append(name)
    stale = set(allowed) - allowed_used
    for case, step in sorted(stale):
        problems.append(f"{case}[{step}]: documented difference never exercised")
    for p in problems:
        print(p)
    print(f"{len(pairs)} case(s): {len(passed)} identical or documented "
          f"({len(allowed_used)} documented step difference(s)), {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
