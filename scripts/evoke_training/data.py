"""DEAP folder -> labelled 1 s windows for training, through the runtime's own feature code.

Features come from inference.dsp.trials.trial_features (the function the add-on runs), labels from
inference.emotion.labels.vad_bits, so a trained model sees exactly what it will see in Blender. Features
are cached per subject as .npz; the cache key covers the FeatureSettings, the hop and the source
file's name, size and mtime, so a changed file or setting recomputes and nothing else does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.deap import SUBJECT_FILE
from inference.dsp.features import N_ELECTRODES, FeatureSettings
from inference.dsp.trials import trial_features
from inference.emotion.labels import vad_bits
from inference.errors import InputError

CACHE_VERSION = 1


@dataclass
class WindowSet:
    """Every usable window of a set of subjects, flat, with where it came from."""

    x: np.ndarray  # (n, 4, 9, 9) band features, or (n, 32, 128) raw EEG
    y: np.ndarray  # (n, 3) uint8 VAD bits of the window's trial
    subject: np.ndarray  # (n,) subject number (1-based, as in sXX)
    trial: np.ndarray  # (n,) trial index within the subject
    window: np.ndarray  # (n,) window index within the trial

    def __len__(self) -> int:
        return len(self.y)


def subject_files(data_dir: str | Path, subjects: list[int] | None = None) -> dict[int, Path]:
    """{subject number: sXX.dat (preferred) or sXX.mat}; clear errors for a wrong folder."""
    folder = Path(data_dir)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder (point --data at DEAP's sXX.dat files)")
    found: dict[int, Path] = {}
    for p in sorted(folder.iterdir()):
        m = SUBJECT_FILE.match(p.name)
        if m and (int(m.group(1)) not in found or p.suffix == ".dat"):
            found[int(m.group(1))] = p
    if not found:
        what = "is empty" if not any(folder.iterdir()) else "holds no sXX.dat or sXX.mat files"
        raise InputError(f"{folder} {what}: expected DEAP's data_preprocessed_python files")
    if subjects:
        missing = sorted(set(subjects) - set(found))
        if missing:
            raise InputError(f"{folder}: no file for subject(s) {missing}")
        found = {s: found[s] for s in sorted(subjects)}
    return found


def read_subject(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(data (trials, >=32, samples) float32, labels (trials, >=3)) of one subject file."""
    from inference.io.deap_files import DeapFolder

    try:
        data, labels = DeapFolder(path.parent).load(int(path.name[1:3]))
    except InputError as exc:
        raise InputError(f"subject {path.stem}: {exc}") from exc
    data, labels = np.asarray(data), np.asarray(labels)
    if data.ndim != 3 or data.shape[1] < N_ELECTRODES:
        raise InputError(
            f"{path.name}: data must be (trials, >=32 channels, samples), {data.shape}"
        )
    if labels.ndim != 2 or labels.shape[0] != data.shape[0] or labels.shape[1] < 3:
        raise InputError(
            f"{path.name}: labels {labels.shape} do not match data {data.shape} "
            "(need one row of >= 3 ratings per trial)"
        )
    return data, labels


def _cache_path(path: Path, settings: FeatureSettings, hop_s: float, cache_dir: Path) -> Path:
    st = path.stat()
    key = {
        "v": CACHE_VERSION,
        "settings": settings.to_dict(),
        "hop_s": hop_s,
        "file": path.name,
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
    }
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir / f"{path.stem}-{settings.kind}-{digest}.npz"


def subject_features(
    path: Path, settings: FeatureSettings, hop_s: float, cache_dir: Path | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(grid (trials, windows, 4, 9, 9), valid (trials, windows), bits (trials, 3)), cached."""
    cached = _cache_path(path, settings, hop_s, cache_dir) if cache_dir else None
    if cached is not None and cached.exists():
        with np.load(cached) as z:
            return z["grid"], z["valid"], z["bits"]
    data, labels = read_subject(path)
    try:
        bits = vad_bits(labels, source=path.name)
        grid, valid, _ = trial_features(data[:, :N_ELECTRODES], settings, hop_s=hop_s)
    except InputError as exc:
        raise InputError(f"subject {path.stem}: {exc}") from exc
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp.npz")
            np.savez(tmp, grid=grid, valid=valid, bits=bits)
            tmp.replace(cached)
        except OSError as exc:  # e.g. a read-only DEAP folder: work on, just uncached
            print(f"warning: cannot cache features in {cached.parent} ({exc}); use --cache DIR")
    return grid, valid, bits


def _flatten(per_subject: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]) -> WindowSet:
    """[(subject, x (trials, windows, ...), valid (trials, windows), bits)] -> valid windows."""
    xs, ys, ss, ts, ws = [], [], [], [], []
    for s, x, valid, bits in per_subject:
        t_idx, w_idx = np.nonzero(valid)
        xs.append(x[t_idx, w_idx])
        ys.append(bits[t_idx])
        ss.append(np.full(len(t_idx), s, dtype=np.int64))
        ts.append(t_idx.astype(np.int64))
        ws.append(w_idx.astype(np.int64))
    out = WindowSet(*(np.concatenate(a) for a in (xs, ys, ss, ts, ws)))
    if len(out) == 0:
        raise InputError("no usable window: every window is NaN, flat or lacks its baseline")
    return out


def default_cache(data_dir: str | Path) -> Path:
    return Path(data_dir) / ".evoke_cache"


def load_features(
    data_dir: str | Path,
    kind: str = "de",
    hop_s: float = 1.0,
    subjects: list[int] | None = None,
    cache_dir: str | Path | None = None,
    baseline: str = "trial",
) -> WindowSet:
    """Band-feature windows (DE or PSD) of the chosen subjects, computed once and cached.

    baseline: each trial's own pre-trial seconds ("trial"), or a subject's pooled ("session")."""
    settings = FeatureSettings(kind=kind, baseline=baseline)
    cache = Path(cache_dir) if cache_dir else default_cache(data_dir)
    rows = []
    for s, path in subject_files(data_dir, subjects).items():
        grid, valid, bits = subject_features(path, settings, hop_s, cache)
        rows.append((s, grid, valid, bits))
    return _flatten(rows)


def load_raw(
    data_dir: str | Path, subjects: list[int] | None = None, settings: FeatureSettings | None = None
) -> WindowSet:
    """Raw (32, 128) EEG windows after the pre-trial baseline, for Arjun ViT; not cached (cheap).

    Scaled by one global factor (the data's std) so the transformer sees unit-scale input.
    """
    st = settings or FeatureSettings()
    n, base = st.window_samples, st.window_samples * st.baseline_segments
    rows = []
    for s, path in subject_files(data_dir, subjects).items():
        data, labels = read_subject(path)
        try:
            bits = vad_bits(labels, source=path.name)
        except InputError as exc:
            raise InputError(f"subject {path.stem}: {exc}") from exc
        eeg = data[:, :N_ELECTRODES, base:]
        k = eeg.shape[-1] // n
        win = eeg[..., : k * n].reshape(eeg.shape[0], N_ELECTRODES, k, n).transpose(0, 2, 1, 3)
        valid = np.isfinite(win).all(axis=(-1, -2))
        rows.append((s, np.ascontiguousarray(win, dtype=np.float32), valid, bits))
    out = _flatten(rows)
    out.x /= max(float(out.x.std()), 1e-12)
    return out
