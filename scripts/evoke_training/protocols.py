"""Train/test splits. The number a model scores depends on which one you use (docs/REPRODUCE.md).

- window-kfold: the paper's protocol. 1 s windows are shuffled and cut into K folds, so windows of
  one trial sit in both train and test: the model can recognise the trial, not the emotion.
- trial-kfold: folds over whole (subject, trial) groups; no trial is in both train and test.
- loso: leave one subject out; one fold per subject (--folds is ignored).
Scope "pooled" splits all subjects' windows together; "per-subject" runs the protocol inside each
subject separately (not for loso). Every split is a pure function of its inputs and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROTOCOLS = ("window-kfold", "trial-kfold", "loso")
SCOPES = ("pooled", "per-subject")

LEAK_NOTE = (
    "Window-kfold scores are optimistic: windows of the same trial sit in both train and test, "
    "so the model can learn trial-specific signal; trial-kfold and loso hold whole trials or "
    "subjects out and show what to expect on new recordings."
)
# What goes beside every window-kfold figure, the model's one-line description included.
WINDOW_WARNING = "WARNING: window-kfold leaks (windows of one trial in train and test): optimistic"


def protocol_note(protocol: str) -> str:
    """The caveat a report prints with its figures: a warning for window-kfold, else the note."""
    return f"{WINDOW_WARNING}. {LEAK_NOTE}" if protocol == "window-kfold" else LEAK_NOTE


@dataclass(frozen=True)
class Split:
    name: str
    train: np.ndarray  # indices into the window arrays
    test: np.ndarray


def _group_ids(subject: np.ndarray, trial: np.ndarray) -> np.ndarray:
    """One id per (subject, trial)."""
    return np.asarray(subject, np.int64) * (int(np.max(trial)) + 1) + np.asarray(trial, np.int64)


def _kfold_groups(groups: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Fold number of each element: groups shuffled, then cut into k near-equal runs."""
    uniq, inverse = np.unique(groups, return_inverse=True)
    if k < 2:
        raise ValueError(f"need at least 2 folds, got {k}")
    if k > len(uniq):
        raise ValueError(f"{k} folds but only {len(uniq)} groups to spread over them")
    fold_of_group = np.empty(len(uniq), dtype=np.int64)
    fold_of_group[rng.permutation(len(uniq))] = np.arange(len(uniq)) * k // len(uniq)
    return fold_of_group[inverse]


def _unit(protocol: str, subject: np.ndarray, trial: np.ndarray) -> np.ndarray:
    """What a protocol keeps together: a window, a trial, or a subject."""
    if protocol == "window-kfold":
        return np.arange(len(subject))
    if protocol == "trial-kfold":
        return _group_ids(subject, trial)
    if protocol == "loso":
        return np.asarray(subject, np.int64)
    raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")


def make_splits(
    subject: np.ndarray,
    trial: np.ndarray,
    protocol: str,
    folds: int = 5,
    seed: int = 0,
    scope: str = "pooled",
) -> list[Split]:
    """Splits for every window, given each window's subject and trial number."""
    subject, trial = np.asarray(subject), np.asarray(trial)
    if subject.shape != trial.shape or subject.ndim != 1:
        raise ValueError("subject and trial must be 1-D arrays of the same length")
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}; choose from {', '.join(SCOPES)}")
    unit = _unit(protocol, subject, trial)
    if protocol == "loso":
        if scope != "pooled":
            raise ValueError("loso holds whole subjects out: it needs --scope pooled")
        subjects = np.unique(subject)
        if len(subjects) < 2:
            raise ValueError("loso needs at least 2 subjects")
        return [
            Split(f"loso-s{s:02d}", np.flatnonzero(subject != s), np.flatnonzero(subject == s))
            for s in subjects
        ]
    if scope == "pooled":
        fold = _kfold_groups(unit, folds, np.random.default_rng(seed))
        return [
            Split(f"fold{f + 1}", np.flatnonzero(fold != f), np.flatnonzero(fold == f))
            for f in range(folds)
        ]
    splits = []
    for s in np.unique(subject):
        idx = np.flatnonzero(subject == s)
        fold = _kfold_groups(unit[idx], folds, np.random.default_rng([seed, int(s)]))
        splits += [
            Split(f"s{s:02d}-fold{f + 1}", idx[fold != f], idx[fold == f]) for f in range(folds)
        ]
    return splits


def validation_split(
    train: np.ndarray,
    subject: np.ndarray,
    trial: np.ndarray,
    protocol: str,
    fraction: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Hold out ~fraction of the training units (windows, or trials for the held-out protocols)
    to pick the epoch without looking at the test fold. Empty when there is one unit or the
    fraction is 0 (zero means none)."""
    if fraction <= 0:
        return train, train[:0]
    unit = np.arange(len(train)) if protocol == "window-kfold" else None
    if unit is None:
        unit = _group_ids(np.asarray(subject)[train], np.asarray(trial)[train])
    uniq = np.unique(unit)
    if len(uniq) < 2:
        return train, train[:0]
    n_val = min(max(1, round(fraction * len(uniq))), len(uniq) - 1)
    held = np.random.default_rng([seed, 7]).choice(uniq, n_val, replace=False)
    is_val = np.isin(unit, held)
    return train[~is_val], train[is_val]
