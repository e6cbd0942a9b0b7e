"""Where a run's data came from: declared, never guessed, and with no path in it.

The data's kind comes from what the reader knows and what the user states:
- the synthetic generator (`evoke_tools.synthetic`: scripts/evoke.py synth_deap, make_model.py) leaves a
  `SYNTHETIC.txt` marker naming itself and its seed: the data are "synthetic";
- `--data-kind deap|synthetic|other` states it (a statement that contradicts the marker is
  refused: remove the marker if the files are not the generator's);
- neither: "unknown". A DEAP-format folder is not DEAP until someone says so.
The files are identified by a content hash (SHA-256 of each subject file used, and one over all
of them), never by a path: reports and model files carry no path of the machine that trained them.
No torch here.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from evoke_training.data import default_cache, subject_files
from inference.model.model_file import DATA_KINDS

# what --data-kind accepts: the model file's kinds (one home: inference.model.model_file) but
# "unknown", the default
DECLARABLE = tuple(k for k in DATA_KINDS if k != "unknown")
MARKER = "SYNTHETIC.txt"
HASH_CACHE = "sha256.json"  # beside the feature cache: {name:size:mtime_ns: digest}
NAMES = {
    "deap": "DEAP (data_preprocessed_python)",
    "other": "other EEG data in DEAP's format",
    "unknown": "DEAP-format data of unknown origin (no marker, no --data-kind)",
}


def read_marker(folder: str | Path) -> dict[str, Any] | None:
    """The generator's marker as {"generator", "seed"}, or None where there is none.

    Reads `key: value` lines (generator, seed); older markers said "(seed N)" in prose."""
    path = Path(folder) / MARKER
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8", errors="replace")[:4096]
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().isidentifier():
            fields[key.strip()] = value.strip()
    seed = fields.get("seed") or next(iter(re.findall(r"\bseed\s+(\d+)", text)), None)
    generator = fields.get("generator") or (
        "evoke_tools.synthetic" if "synth_deap" in text else "a generator it does not name"
    )
    return {"generator": generator, "seed": int(seed) if seed and seed.isdigit() else None}


def declared_kind(marker: dict[str, Any] | None, stated: str | None) -> tuple[str, str]:
    """(kind, who declared it) from the marker and --data-kind; a contradiction is an error."""
    if stated is not None and stated not in DECLARABLE:
        raise SystemExit(f"--data-kind {stated!r}: choose from {', '.join(DECLARABLE)}")
    if marker is not None:
        if stated not in (None, "synthetic"):
            raise SystemExit(
                f"the data folder holds {MARKER} (the synthetic generator's marker) but "
                f"--data-kind says {stated!r}: remove the marker if these files are not synthetic"
            )
        also = " and --data-kind synthetic" if stated else ""
        return "synthetic", f"{MARKER}, the synthetic generator's marker{also}"
    if stated is None:
        return "unknown", "nothing: no marker and no --data-kind"
    return stated, "--data-kind (stated by the user)"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def file_hashes(files: list[Path], cache_dir: Path | None) -> dict[str, str]:
    """{file name: SHA-256}, remembered in cache_dir by name, size and mtime (DEAP is 3 GB)."""
    cache = cache_dir / HASH_CACHE if cache_dir else None
    try:
        known = json.loads(cache.read_text()) if cache and cache.is_file() else {}
    except (OSError, ValueError):
        known = {}
    out = {}
    for path in files:
        st = path.stat()
        key = f"{path.name}:{st.st_size}:{st.st_mtime_ns}"
        known[key] = known.get(key) or _sha256(path)
        out[path.name] = known[key]
    if cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(known, indent=0))
        except OSError:
            pass  # a read-only folder: hash again next time
    return out


def content_hash(hashes: dict[str, str]) -> str:
    """One SHA-256 over every file's name and hash: the data set's identity."""
    lines = "".join(f"{name} {digest}\n" for name, digest in sorted(hashes.items()))
    return hashlib.sha256(lines.encode()).hexdigest()


def data_provenance(
    data_dir: str | Path,
    stated: str | None = None,
    subjects: list[int] | None = None,
    name: str | None = None,
    cache_dir: str | Path | None = None,
) -> dict[str, Any]:
    """The data's provenance block: kind, who declared it, a name, subjects, content hashes."""
    marker = read_marker(data_dir)
    kind, declared_by = declared_kind(marker, stated)
    files = subject_files(data_dir, subjects)
    if kind == "synthetic":
        gen = marker or {"generator": "a generator it does not name", "seed": None}
        seed = "unknown seed" if gen["seed"] is None else f"seed {gen['seed']}"
        default = f"synthetic DEAP-format data ({gen['generator']}, {seed})"
    else:
        default = NAMES[kind]
    hashes = file_hashes(list(files.values()), Path(cache_dir or default_cache(data_dir)))
    out: dict[str, Any] = {
        "kind": kind,
        "declared_by": declared_by,
        "name": name or default,
        "subjects": sorted(files),
        "files": hashes,
        "sha256": content_hash(hashes),
    }
    if marker is not None:
        out["generator"], out["seed"] = marker["generator"], marker["seed"]
    return out


def describe_data(prov: dict[str, Any]) -> str:
    """One line for a report: the name, what declared the kind, subjects, the content hash."""
    real = " (NOT real EEG)" if prov["kind"] == "synthetic" else ""
    return (
        f"{prov['name']}{real}; kind {prov['kind']!r}, declared by {prov['declared_by']}; "
        f"subjects {prov['subjects']}; sha256 {prov['sha256'][:16]} over {len(prov['files'])} files"
    )
