"""A blind check of the emotion presets: can someone name each face without being told?

Render:  python scripts/evoke.py blind_faces --out DIR --key KEY.json [--seed N] [--size 256]
                                       [--engine workbench|cycles]
Score:   python scripts/evoke.py blind_faces --score ANSWERS.json --key KEY.json

Rendering writes DIR/face_1.png .. face_8.png (the eight presets, unlabelled, in an order
shuffled by the seed), DIR/answers.json (the form a namer fills in: every face, an empty answer,
and the eight emotion names in alphabetical order) and, outside DIR, the answer key
({"face_1": "anger", ...}). Give the namer DIR only. Scoring compares the filled-in answers
with the key and prints "N of 8 named right" and each confusion.

The frames come from the contact sheet's renderer (``contact_sheet.render_presets``), so the
faces are exactly the ones the sheet documents.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evoke_tools.contact_sheet import ORDER, render_presets
from evoke_tools.process_exit import leave

ANSWERS_FORM = "answers.json"


def face_name(index: int) -> str:
    """The file stem of the index-th face (from 1): face_1, face_2, ..."""
    return f"face_{index}"


def blind_key(seed: int, emotions: Sequence[str] = ORDER) -> dict[str, str]:
    """The answer key: face_1.. face_N -> emotion, in an order shuffled by ``seed``."""
    order = list(emotions)
    random.Random(seed).shuffle(order)
    return {face_name(i): emotion for i, emotion in enumerate(order, start=1)}


@dataclass(frozen=True)
class Score:
    """How a namer did: how many faces were named right, and what each wrong one was called."""

    right: int
    total: int
    confusions: list[tuple[str, str, str]]  # (face, true emotion, answer given)

    def report(self) -> str:
        lines = [f"{self.right} of {self.total} named right"]
        for face, truth, answer in self.confusions:
            lines.append(f"  {face}: {truth} named as {answer or '(no answer)'}")
        return "\n".join(lines)


def score(key: Mapping[str, str], answers: Mapping[str, str]) -> Score:
    """Compare answers with the key, face by face (case and spaces ignored; missing = wrong)."""
    right = 0
    confusions = []
    for face in sorted(key, key=lambda f: int(f.rsplit("_", 1)[-1])):
        truth = key[face]
        given = str(answers.get(face, "")).strip().lower()
        if given == truth.lower():
            right += 1
        else:
            confusions.append((face, truth, given))
    return Score(right, len(key), confusions)


def _load_json(path: Path) -> dict[str, str]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise SystemExit(f'error: {path} must hold a JSON object like {{"face_1": "anger"}}')
    answers = data.get("answers", data)  # the form nests them; a plain mapping works too
    return {str(k): str(v) for k, v in answers.items()}


def render_blind(out: Path, key_path: Path, seed: int, size: int, engine: str) -> float:
    """Render the shuffled faces into ``out``, the form beside them, the key apart; seconds."""
    out, key_path = out.resolve(), key_path.resolve()
    if key_path.is_relative_to(out):
        raise SystemExit(f"error: the key ({key_path}) must not be in the namer's folder ({out})")
    start = time.perf_counter()
    key = blind_key(seed)
    out.mkdir(parents=True, exist_ok=True)
    render_presets(list(key.values()), [out / f"{face}.png" for face in key], size, engine,
                   labelled=False)  # fmt: skip
    form = {"choices": sorted(ORDER), "answers": {face: "" for face in key}}
    (out / ANSWERS_FORM).write_text(json.dumps(form, indent=2) + "\n", encoding="utf-8")
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key_path.write_text(json.dumps(key, indent=2) + "\n", encoding="utf-8")
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--key", type=Path, required=True, help="the answer key (JSON)")
    parser.add_argument("--out", type=Path, help="folder for face_1.png .. face_8.png")
    parser.add_argument("--seed", type=int, default=0, help="shuffles the order of the faces")
    parser.add_argument("--size", type=int, default=256, help="pixels per (square) face")
    parser.add_argument("--engine", choices=("workbench", "cycles"), default="workbench")
    parser.add_argument("--score", type=Path, metavar="ANSWERS", help="score these answers")
    args = parser.parse_args(argv)
    if args.score is not None:
        print(score(_load_json(args.key), _load_json(args.score)).report())
        return 0
    if args.out is None:
        parser.error("give --out DIR to render the faces, or --score ANSWERS.json to score")
    seconds = render_blind(args.out, args.key, args.seed, args.size, args.engine)
    print(
        f"wrote {len(ORDER)} faces and {ANSWERS_FORM} to {args.out} and the key to {args.key} "
        f"in {seconds:.1f} s; give the namer {args.out} only"
    )
    return 0


if __name__ == "__main__":
    leave(main())
