"""The one entry point for reading recordings: chooses the reader by file type, then puts every
recording in the same terms (microvolts, 10-20 electrode names, an optional span between markers).

| input | reader | options |
| --- | --- | --- |
| folder of s01..s32, `.dat`, `.mat` | DEAP (`readers_deap`) | `subject`, `trial` |
| `.xdf`, `.xdfz` | XDF via pyxdf (`readers_xdf`) | `stream` (name, type or id), `unit` |
| `.edf`, `.bdf` (EDF+/BDF+ too) | EDF/BDF via edfio (`readers_edf`) | `trial` (DEAP's original BDF) |
| `.csv` | CSV (`readers_csv`) | `rate` (else a time column), `unit` |
| `.set`, `.fif`, `.vhdr`, ... | MNE when installed (`readers_mne`) | - |

Every format: `channel_map` / `montage` name numbered channels (`inference.montages`); `between`
keeps the span between two markers (1-based, as `Recording.markers` lists them). Only DEAP files
(and DEAP's original BDF recordings) carry trials; the others give a Recording without trials,
and the pipeline takes the first seconds as the resting baseline. Readers of optional formats
import their library only when called, and say what to install when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..dsp.montages import channel_map_for, not_deap
from ..errors import InputError
from ..limits import MAX_TEXT_BYTES, MAX_TRIALS
from . import deap_files
from .csv_file import read_csv
from .deap_files import TrialSelection
from .edf import read_edf
from .mne_formats import MNE_FORMATS, read_mne
from .recording import Recording, Trial
from .safe_files import read_bytes
from .units import guess_note, guess_scale, typical_step
from .xdf import read_xdf

PathLike = str | os.PathLike[str]

SUPPORTED = (
    "folder of DEAP subjects (s01..s32), .dat/.mat (DEAP), .xdf/.xdfz (XDF), "
    ".edf/.bdf (EDF/BDF), .csv (CSV), and with MNE installed " + "/".join(sorted(MNE_FORMATS))
)
_DEAP_SUFFIXES = (".dat", ".mat")
_OTHER: dict[str, tuple[str, Callable[..., Recording]]] = {
    ".xdf": ("XDF", read_xdf),
    ".xdfz": ("XDF", read_xdf),
    ".xdf.gz": ("XDF", read_xdf),
    ".edf": ("EDF", read_edf),
    ".bdf": ("BDF", read_edf),
    ".csv": ("CSV", read_csv),
    **{suffix: (kind, read_mne) for suffix, kind in MNE_FORMATS.items()},
}
_OPTIONS = {"stream": ("XDF",), "rate": ("CSV",), "unit": ("XDF", "CSV")}


def _suffix(file: Path) -> str:
    double = "".join(s.lower() for s in file.suffixes[-2:])
    return double if double in _OTHER else file.suffix.lower()


def format_of(path: PathLike) -> str:
    """The format a path will be read as ("DEAP", "XDF", "EDF", "BDF", "CSV", an MNE format),
    or "" when it is none we read; for interfaces that show options by format."""
    file = Path(path)
    if file.is_dir() or file.suffix.lower() in _DEAP_SUFFIXES:
        return "DEAP"
    return _OTHER.get(_suffix(file), ("", None))[0]


def read_recording(
    path: PathLike,
    subject: int | None = None,
    trial: TrialSelection = None,
    *,
    stream: str | int | None = None,
    rate: float | None = None,
    unit: str | None = None,
    channel_map: str | dict[str, str] | None = None,
    montage: str | None = None,
    between: tuple[int, int] | None = None,
) -> Recording:
    """Any supported recording as a Recording, chosen by suffix (a folder is a DEAP folder).

    subject, trial: DEAP (and trial for DEAP's original BDF files). stream: XDF only, the
    stream's name, type or id. rate: CSV only, in Hz (else the CSV's time column gives it).
    unit: XDF/CSV values' unit when the file names none. See the module notes for the rest.
    """
    file = Path(path)
    suffix = "" if file.is_dir() else _suffix(file)
    given: dict[str, object] = {"stream": stream, "rate": rate, "unit": unit}
    trial = _unique_trials(trial, file)
    if file.is_dir() or suffix in _DEAP_SUFFIXES:
        for name, value in given.items():
            if value is not None:
                raise InputError(f"{file}: '{name}' does not apply to DEAP recordings")
        recording = deap_files.read_recording(file, subject, trial)
    else:
        recording = _read_other(file, suffix, subject, trial, given)
    recording = _in_microvolts(recording)
    if channel_map or montage:
        recording = _relabel(recording, channel_map, montage)
    if between is not None:
        recording = between_markers(recording, *between)
    return recording


def _unique_trials(trial: TrialSelection, file: Path) -> TrialSelection:
    """Each trial number once, in the order given (a trial asked for 300 times is read once,
    not copied 300 times), and at most MAX_TRIALS of them."""
    if trial is None or isinstance(trial, int):
        return trial
    unique = list(dict.fromkeys(trial))
    if len(unique) > MAX_TRIALS:
        raise InputError(f"{file}: {len(unique)} trials chosen; at most {MAX_TRIALS} at once")
    return unique


def _read_other(
    file: Path,
    suffix: str,
    subject: int | None,
    trial: TrialSelection,
    given: dict[str, object],
) -> Recording:
    if suffix not in _OTHER:
        shown = f"'{file.suffix}'" if file.suffix else "(no suffix)"
        raise InputError(f"{file}: unsupported file type {shown}; supported: {SUPPORTED}")
    kind, reader = _OTHER[suffix]
    if not file.exists():
        raise InputError(f"{file}: no such file or folder")
    if subject is not None:
        raise InputError(
            f"{file}: {kind} files carry no subjects; subject selection is for DEAP folders"
        )
    for name, value in given.items():
        if value is not None and kind not in _OPTIONS[name]:
            where = " and ".join(_OPTIONS[name])
            raise InputError(f"{file}: '{name}' applies to {where} files only")
    options = {k: v for k, v in given.items() if v is not None}
    recording = reader(file, **options)
    if trial is None:
        return recording
    if not recording.trials:
        raise InputError(
            f"{file}: this {kind} file carries no trials; trial selection is for DEAP recordings "
            "(a span between two markers can be chosen instead)"
        )
    return select_trials(recording, trial)


def select_trials(recording: Recording, trial: TrialSelection) -> Recording:
    """The recording with only the chosen trials (1-based numbers)."""
    wanted = [trial] if isinstance(trial, int) else list(trial or ())
    count = len(recording.trials)
    bad = [t for t in wanted if not 1 <= t <= count]
    if bad:
        raise InputError(f"{recording.source}: trial {bad[0]} is out of range 1..{count}")
    trials = tuple(recording.trials[t - 1] for t in wanted)
    return replace(recording, trials=trials)


def _in_microvolts(recording: Recording) -> Recording:
    """Recordings that name no unit: guess it from the amplitude, and say so."""
    if recording.meta.get("unit") is not None or recording.meta.get("format") == "DEAP":
        return recording
    factor, unit = guess_scale(recording.samples)
    note = guess_note(unit, typical_step(recording.samples))
    notes = [*_notes(recording), note]
    samples = recording.samples
    if factor != 1.0 and samples.flags.writeable:
        samples *= factor  # the array the reader just made: scaled in place, not held twice
    elif factor != 1.0:
        samples = samples * factor
    return replace(
        recording, samples=samples, meta={**recording.meta, "notes": notes, "unit": "uV"}
    )


def _relabel(
    recording: Recording, channel_map: str | dict[str, str] | None, montage: str | None
) -> Recording:
    """Channels renamed to the electrodes a channel map or montage says they are."""
    origin = ""
    try:
        text, origin = _channel_map_text(channel_map)
        mapping = channel_map_for(recording.channels, channel_map=text, montage=montage)
    except InputError as exc:
        raise InputError(f"{recording.source}: {origin}{exc}") from None
    upper = {k.strip().upper(): v for k, v in mapping.items()}
    labels = tuple(upper.get(c.strip().upper(), c) for c in recording.channels)
    renamed = [f"{a}->{b}" for a, b in zip(recording.channels, labels, strict=True) if a != b]
    notes = [*_notes(recording), f"channel map: {', '.join(renamed) or 'nothing renamed'}"]
    outside = not_deap(mapping)
    if outside:
        notes.append(
            f"channel map: {', '.join(outside[:16])}{' ...' if len(outside) > 16 else ''}: not "
            "among DEAP's 32 electrodes, so those channels are not used"
        )
    meta = {**recording.meta, "notes": notes, "original_labels": recording.channels}
    return replace(recording, channels=labels, meta=meta)


def _channel_map_text(
    channel_map: str | dict[str, str] | None,
) -> tuple[str | dict[str, str] | None, str]:
    """(a map as given, or the text of the file it names ("maps/epoc.json", "cyton.txt"), and
    "FILE: " for messages): a map itself always has '=' pairs or starts with '{'. The file is
    bounded like every text input."""
    if not isinstance(channel_map, str):
        return channel_map, ""
    text = channel_map.strip()
    if not text or text.startswith("{") or "=" in text:
        return channel_map, ""
    if not os.path.lexists(text):
        raise InputError(
            f"channel map '{text[:80]}': neither 'channel=electrode' pairs, nor JSON, nor a file"
        )
    data = read_bytes(text, "channel map", MAX_TEXT_BYTES)
    try:
        return data.decode("utf-8-sig"), f"{text}: "
    except UnicodeDecodeError as exc:
        raise InputError(f"{text}: not a text (UTF-8) channel map ({exc.reason})") from None


def between_markers(recording: Recording, first: int, last: int) -> Recording:
    """The span from marker `first` to marker `last` (1-based) as the recording's one trial.

    The 3 s before `first` are its baseline, like DEAP's pre-trial baseline; where the recording
    has less before it, the span's own first 3 s serve instead.
    """
    markers = recording.markers
    if not markers:
        raise InputError(f"{recording.source}: this recording has no markers to choose a span by")
    for k in (first, last):
        if not 1 <= k <= len(markers):
            raise InputError(f"{recording.source}: marker {k} is out of range 1..{len(markers)}")
    start, stop = markers[first - 1].sample, markers[last - 1].sample
    if stop <= start:
        raise InputError(
            f"{recording.source}: marker {last} ({markers[last - 1].describe(recording.rate)}) "
            f"does not come after marker {first} ({markers[first - 1].describe(recording.rate)})"
        )
    base = round(3.0 * recording.rate)
    notes = _notes(recording)
    label = f"markers {first}-{last} ({markers[first - 1].label} .. {markers[last - 1].label})"
    if start < base:
        start += base
        notes = [
            *notes,
            f"{label}: less than 3 s before the first marker, so the span's own first 3 s are the baseline",
        ]
    else:
        notes = [*notes, f"{label}: the 3 s before the first marker are the baseline"]
    if stop <= start:
        raise InputError(f"{recording.source}: the span {label} is too short")
    trial = Trial(start, stop, 3.0, (), 1)
    return replace(
        recording, trials=(trial,), meta={**recording.meta, "notes": notes, "span": label}
    )


def _notes(recording: Recording) -> list[str]:
    notes = recording.meta.get("notes", [])
    return [str(n) for n in notes] if isinstance(notes, list | tuple) else []


def describe_markers(recording: Recording) -> list[str]:
    """'1: 12.50 s  stimulus' lines, numbered as `between` takes them."""
    return [f"{k}: {m.describe(recording.rate)}" for k, m in enumerate(recording.markers, 1)]
