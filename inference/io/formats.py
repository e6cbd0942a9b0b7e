"""The one entry point for reading recordings: chooses the reader by file type, then puts every
recording in the same terms (microvolts, 10-20 electrode names, an optional span between markers).

`FORMATS` describes each format once (suffixes, reader, the options it takes, a title and a
description for interfaces): the CLI's help, the add-on's properties and panel, and the bake's
reader options all read it, so a new format is one reader and one entry here.

Every format: `channel_map` / `montage` name numbered channels (`inference.dsp.montages`);
`between` keeps the span between two markers (1-based, as `Recording.markers` lists them). Only
DEAP files (and DEAP's original BDF recordings) carry trials; the others give a Recording without
trials, and the pipeline takes the first seconds as the resting baseline. Readers of optional
formats import their library only when called, and say what to install when it is missing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from ..deap import BASELINE_S
from ..dsp.montages import MONTAGES, channel_map_for, not_deap
from ..errors import InputError
from ..limits import MAX_TEXT_BYTES, MAX_TRIALS
from . import deap_files
from .brainflow_file import looks_like_brainflow, read_brainflow
from .csv_file import read_csv
from .deap_files import TrialSelection
from .edf import read_edf
from .mne_formats import MNE_FORMATS, read_mne
from .openbci_file import looks_like_openbci, read_openbci
from .recording import Recording, Trial
from .safe_files import read_bytes, read_head
from .units import guess_note, guess_scale, typical_step
from .xdf import read_xdf

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class RecordingFormat:
    """One recording format: how a path is recognised, read, and offered in interfaces."""

    name: str  # as `Recording.format` and messages spell it
    suffixes: tuple[str, ...]  # lower case, with the dot; ".xdf.gz" as one
    reader: Callable[..., Recording]  # (file, **the options below that were given)
    options: frozenset[str]  # reader options it takes: subject, trial, stream, rate, unit
    title: str  # short, for a menu or a label
    description: str  # a line for a tooltip or help text
    in_extension: bool = True  # read inside Blender (MNE is not bundled into the extension)
    # with "trial" in options: every file has trials (DEAP), or only some (what trial_note says)
    every_file_has_trials: bool = False
    trial_note: str = ""
    # where formats share a suffix (.csv, .txt): whether the file's first bytes are this format's;
    # None: the format a shared suffix falls back to
    sniff: Callable[[bytes], bool] | None = None


def _read_deap(file: Path, subject: int | None = None, trial: TrialSelection = None) -> Recording:
    return deap_files.read_recording(file, subject, trial)


def _read_edf(file: Path, trial: TrialSelection = None) -> Recording:
    """EDF/BDF; trials only where the Status codes follow DEAP's original recordings."""
    recording = read_edf(file)
    return recording if trial is None else _chosen_trials(recording, trial)


DEAP = RecordingFormat(
    "DEAP", (".dat", ".mat"), _read_deap, frozenset({"subject", "trial"}), "DEAP",
    "DEAP's preprocessed .dat/.mat files, or a folder of them (s01..s32)",
    every_file_has_trials=True,
)  # fmt: skip
FORMATS: tuple[RecordingFormat, ...] = (
    DEAP,
    RecordingFormat(
        "XDF", (".xdf", ".xdfz", ".xdf.gz"), read_xdf, frozenset({"stream", "unit"}), "XDF",
        "Lab Streaming Layer recordings (LabRecorder): one EEG stream, markers from the others",
    ),
    RecordingFormat(
        "EDF", (".edf",), _read_edf, frozenset({"trial"}), "EDF",
        "European Data Format (EDF+ too): annotations become markers",
        trial_note="DEAP's original BDF",
    ),
    RecordingFormat(
        "BDF", (".bdf",), _read_edf, frozenset({"trial"}), "BDF",
        "BioSemi BDF (BDF+ too); DEAP's original recordings carry their trials",
        trial_note="DEAP's original BDF",
    ),
    RecordingFormat(
        "BrainFlow", (".csv", ".tsv", ".txt"), read_brainflow, frozenset({"board"}), "BrainFlow",
        "BrainFlow's DataFilter.write_file (BFiVRC, the OpenBCI GUI's BrainFlow files): the "
        "board given, or the common one with the file's columns",
        sniff=looks_like_brainflow,
    ),
    RecordingFormat(
        "OpenBCI", (".txt",), read_openbci, frozenset(), "OpenBCI GUI",
        "the OpenBCI GUI's raw recordings (OpenBCI-RAW-*.txt): OpenBCI's default placement",
        sniff=looks_like_openbci,
    ),
    RecordingFormat(
        "CSV", (".csv",), read_csv, frozenset({"rate", "unit"}), "CSV",
        "a column per channel with a header; a time column or a given rate",
    ),
    *(
        RecordingFormat(
            kind, (suffix,), read_mne, frozenset(), kind, f"{kind} ({suffix}), read with MNE-Python",
            in_extension=False,
        )
        for suffix, kind in MNE_FORMATS.items()
    ),
)  # fmt: skip
_BY_SUFFIX: dict[str, list[RecordingFormat]] = {}
for _format in FORMATS:
    for _suffix in _format.suffixes:
        _BY_SUFFIX.setdefault(_suffix, []).append(_format)
SNIFF_BYTES = 4096  # what a shared suffix's formats look at


def _listing(formats: tuple[RecordingFormat, ...]) -> str:
    by_name: dict[str, list[str]] = {}
    for f in formats:
        by_name.setdefault(f.name, []).extend(f.suffixes)
    return ", ".join(f"{'/'.join(s)} ({name})" for name, s in by_name.items())


IN_EXTENSION = _listing(tuple(f for f in FORMATS if f.in_extension))
SUPPORTED = (
    f"folder of DEAP subjects (s01..s32), {IN_EXTENSION}, and with MNE installed "
    + "/".join(sorted(MNE_FORMATS))
)


def format_for(path: PathLike) -> RecordingFormat | None:
    """The format a path will be read as (a folder is a DEAP folder), or None."""
    file = Path(path)
    if file.is_dir():
        return DEAP
    double = "".join(s.lower() for s in file.suffixes[-2:])
    found = _BY_SUFFIX.get(double) or _BY_SUFFIX.get(file.suffix.lower())
    if not found or len(found) == 1:
        return found[0] if found else None
    head = read_head(file, SNIFF_BYTES)  # b"" for a file that is not there or not regular
    return next((f for f in found if f.sniff is not None and f.sniff(head)),
                next((f for f in found if f.sniff is None), None))  # fmt: skip


def format_of(path: PathLike) -> str:
    """The name of the format a path will be read as ("DEAP", "XDF", "EDF", "BDF", "CSV", an MNE
    format), or "" when it is none we read."""
    found = format_for(path)
    return found.name if found else ""


def accepting(option: str) -> str:
    """'XDF and CSV': the formats that take a reader option, for help texts and messages."""
    names = list(dict.fromkeys(f.name for f in FORMATS if option in f.options))
    return " and ".join(names)


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
    board: str | int | None = None,
) -> Recording:
    """Any supported recording as a Recording, chosen by `FORMATS` (a folder is a DEAP folder).

    subject, trial: DEAP (and trial for DEAP's original BDF files). stream: XDF only, the
    stream's name, type or id. rate: CSV only, in Hz (else the CSV's time column gives it).
    unit: XDF/CSV values' unit when the file names none. board: BrainFlow only, the board id
    or name (else the file's column count picks it). See the module notes for the rest.
    """
    file = Path(path)
    kind = format_for(file)
    if kind is None:
        shown = f"'{file.suffix}'" if file.suffix else "(no suffix)"
        sniffed = _BY_SUFFIX.get(file.suffix.lower(), [])
        if sniffed:  # a suffix whose formats are told apart by content, and none matched
            names = " nor ".join(
                ("an " if f.title[0] in "AEIOU" else "a ") + f.title for f in sniffed
            )
            raise InputError(f"{file}: unsupported {shown} file: neither {names} recording")
        raise InputError(f"{file}: unsupported file type {shown}; supported: {SUPPORTED}")
    given = {"subject": subject, "trial": _unique_trials(trial, file), "stream": stream,
             "rate": rate, "unit": unit, "board": board}  # fmt: skip
    _check_options(file, kind, given)
    if kind is not DEAP and not file.exists():
        raise InputError(f"{file}: no such file or folder")
    recording = kind.reader(file, **{k: v for k, v in given.items() if v is not None})
    recording = _in_microvolts(recording)
    if channel_map or montage:
        recording = _relabel(recording, channel_map, montage)
    elif recording.assumed_montage:
        recording = _assumed_placement(recording)
    if between is not None:
        recording = between_markers(recording, *between)
    return recording


def _check_options(file: Path, kind: RecordingFormat, given: Mapping[str, object]) -> None:
    for name, value in given.items():
        if value is None or name in kind.options:
            continue
        if name == "subject":
            raise InputError(
                f"{file}: {kind.name} files carry no subjects; subject selection is for DEAP folders"
            )
        if name == "trial":
            raise InputError(_NO_TRIALS.format(file=file, kind=kind.name))
        if kind is DEAP:
            raise InputError(f"{file}: '{name}' does not apply to DEAP recordings")
        raise InputError(f"{file}: '{name}' applies to {accepting(name)} files only")


_NO_TRIALS = (
    "{file}: this {kind} file carries no trials; trial selection is for DEAP recordings "
    "(a span between two markers can be chosen instead)"
)


def _chosen_trials(recording: Recording, trial: TrialSelection) -> Recording:
    if not recording.trials:
        raise InputError(_NO_TRIALS.format(file=recording.source, kind=recording.format))
    return select_trials(recording, trial)


def _unique_trials(trial: TrialSelection, file: Path) -> TrialSelection:
    """Each trial number once, in the order given (a trial asked for 300 times is read once,
    not copied 300 times), and at most MAX_TRIALS of them."""
    if trial is None or isinstance(trial, int):
        return trial
    unique = list(dict.fromkeys(trial))
    if len(unique) > MAX_TRIALS:
        raise InputError(f"{file}: {len(unique)} trials chosen; at most {MAX_TRIALS} at once")
    return unique


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
    if recording.unit_known:
        return recording
    factor, unit = guess_scale(recording.samples)
    note = guess_note(unit, typical_step(recording.samples))
    samples = recording.samples
    if factor != 1.0 and samples.flags.writeable:
        samples *= factor  # the array the reader just made: scaled in place, not held twice
    elif factor != 1.0:
        samples = samples * factor
    return replace(recording, samples=samples, notes=recording.noted(note), unit_known=True)


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
    notes = [f"channel map: {', '.join(renamed) or 'nothing renamed'}"]
    outside = not_deap(mapping)
    if outside:
        notes.append(
            f"channel map: {', '.join(outside[:16])}{' ...' if len(outside) > 16 else ''}: not "
            "among DEAP's 32 electrodes, so those channels are not used"
        )
    return replace(
        recording, channels=labels, notes=recording.noted(*notes),
        original_labels=recording.original_labels or recording.channels,
    )  # fmt: skip


def _assumed_placement(recording: Recording) -> Recording:
    """Numbered channels named by the board's default placement, and a note that says so."""
    name = recording.assumed_montage
    relabelled = _relabel(recording, None, name)
    note = (
        f"channels named by {MONTAGES[name].title}: {', '.join(relabelled.channels)} (assumed; "
        "give a montage or channel map if the electrodes sat elsewhere)"
    )
    return replace(relabelled, notes=recording.noted(note))


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

    The BASELINE_S (DEAP's 3 s) before `first` are its baseline, like DEAP's pre-trial baseline;
    where the recording has less before it, the span's own first seconds serve instead.
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
    base = round(BASELINE_S * recording.rate)
    label = f"markers {first}-{last} ({markers[first - 1].label} .. {markers[last - 1].label})"
    if start < base:
        start += base
        note = (
            f"{label}: less than {BASELINE_S:g} s before the first marker, so the span's own "
            f"first {BASELINE_S:g} s are the baseline"
        )
    else:
        note = f"{label}: the {BASELINE_S:g} s before the first marker are the baseline"
    if stop <= start:
        raise InputError(f"{recording.source}: the span {label} is too short")
    trial = Trial(start, stop, BASELINE_S, (), 1)
    return replace(recording, trials=(trial,), notes=recording.noted(note), span=label)


def describe_markers(recording: Recording) -> list[str]:
    """'1: 12.50 s  stimulus' lines, numbered as `between` takes them."""
    return [f"{k}: {m.describe(recording.rate)}" for k, m in enumerate(recording.markers, 1)]
