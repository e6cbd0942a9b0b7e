"""Bad and hostile inputs against the command line, each with a memory and a time limit.

python scripts/evoke.py hostile_inputs [--json out.json] [--only NAME]

Every case runs in the sandbox (`evoke_tools.sandbox`, which says what counts as handled): a
forked child under an address-space limit and a wall-clock limit, through
`python -m inference predict ... --json` in-process. A case is handled when the command either
succeeds with valid JSON of finite numbers, or exits 2 with one line that names the input (no
traceback), within the time limit and the memory budget (`inference.limits`).

The catalogue (CASES, filled by `evoke_tools.hostile_recordings` and `evoke_tools.hostile_models`)
is the fixed list the README's figures count; `tests/inference/test_fuzz.py` adds generated
inputs (hypothesis) through the same sandbox.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

# importing the catalogues fills CASES (hostile_models imports hostile_recordings: theirs first)
from evoke_tools import hostile_models, hostile_recordings  # noqa: F401
from evoke_tools.hostile_cases import CASES
from evoke_tools.sandbox import Sandbox


def run_catalogue(only: str | None = None) -> list[dict[str, Any]]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="evoke-hostile-") as tmp, Sandbox() as box:
        folder = Path(tmp)
        for name, make in CASES.items():
            if only and only not in name:
                continue
            made = make(folder)
            outcome = box.run(made[0], made[1], names=made[2] if len(made) > 2 else None)
            rows.append({"case": name, **asdict(outcome)})
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--json", help="write every outcome to this file")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args(argv)
    rows = run_catalogue(args.only)
    bad = [r for r in rows if r["status"] == "mishandled"]
    for r in rows:
        mark = "BAD " if r["status"] == "mishandled" else "    "
        print(
            f"{mark}{r['case']:55s} {r['status']:10s} {r['peak_mb']:7.0f} MiB {r['seconds']:5.1f} s  {r['detail'][:110]}"
        )
    worst = max(rows, key=lambda r: r["peak_mb"]) if rows else None
    print(f"\n{len(rows)} kinds of bad input, {len(bad)} mishandled; worst peak memory "
          f"{worst['peak_mb']:.0f} MiB ({worst['case']})" if worst else "no cases")  # fmt: skip
    if args.json:
        Path(args.json).write_text(json.dumps({"cases": rows, "kinds": len(rows), "mishandled": len(bad),
                                               "worst_peak_mb": worst["peak_mb"] if worst else 0}, indent=1))  # fmt: skip
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
