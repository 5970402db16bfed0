#!/usr/bin/env python3
"""Normalise runner output so two runs (SDK vs todokit) can be diffed.

  .venv/bin/python normalise.py raw.json > norm.json      # file or stdin ("-")

Input: either one case's result list, or an object {case name: result list}
(each case is normalised independently).

Rules (applied to a deep copy, key order preserved):
1. Ids.  Every occurrence (whole string or substring, e.g. inside an upload URL)
   of  <prefix>_<token>  with prefix in thr|msg|tc|wf|tsk|atc|shcx and token of
   >= 6 characters [0-9A-Za-z] is renamed <prefix>_<n>, numbered 1, 2, ... per
   prefix in order of first appearance within the case (depth-first, document
   order: steps in order, object keys in their order).  Object keys are not
   touched.  Already-normalised ids such as "msg_1" are too short to match, so
   normalising twice is harmless.
2. Timestamps.  The value of every "created_at" key becomes "<ts>".
3. Local URLs.  "http://127.0.0.1:<port>" and "http://localhost:<port>" become
   "http://127.0.0.1:PORT".
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

ID_RE = re.compile(r"(?<![0-9A-Za-z_])(thr|msg|tc|wf|tsk|atc|shcx)_([0-9A-Za-z]{6,})(?![0-9A-Za-z])")
URL_RE = re.compile(r"http://(?:127\.0\.0\.1|localhost):\d+")


def normalise_case(results: Any) -> Any:
    mapping: dict[str, str] = {}
    counters: dict[str, int] = {}

    def rename(m: re.Match) -> str:
        full = m.group(0)
        if full not in mapping:
            prefix = m.group(1)
            counters[prefix] = counters.get(prefix, 0) + 1
            mapping[full] = f"{prefix}_{counters[prefix]}"
        return mapping[full]

    def walk(v: Any, key: str | None = None) -> Any:
        if key == "created_at" and v is not None:
            return "<ts>"
        if isinstance(v, str):
            return URL_RE.sub("http://127.0.0.1:PORT", ID_RE.sub(rename, v))
        if isinstance(v, list):
            return [walk(x) for x in v]
        if isinstance(v, dict):
            return {k: walk(x, k) for k, x in v.items()}
        return v

    return walk(results)


def normalise_any(doc: Any) -> Any:
    if isinstance(doc, dict) and all(isinstance(v, list) for v in doc.values()):
        return {name: normalise_case(res) for name, res in doc.items()}
    return normalise_case(doc)


def main(argv: list[str]) -> int:
    src = argv[1] if len(argv) > 1 else "-"
    text = sys.stdin.read() if src == "-" else open(src, encoding="utf-8").read()
    json.dump(normalise_any(json.loads(text)), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
