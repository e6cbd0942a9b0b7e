"""One descriptor per recording format: the readers, the CLI and the add-on read FORMATS, so the
table must agree with the readers it names and with what read_recording accepts."""

from __future__ import annotations

import dataclasses
import inspect
from pathlib import Path

import pytest

from inference.errors import InputError
from inference.io.formats import (
    DEAP,
    FORMATS,
    IN_EXTENSION,
    SUPPORTED,
    accepting,
    format_for,
    read_recording,
)
from inference.io.recording import Recording


def test_each_descriptor_takes_what_its_reader_takes() -> None:
    for kind in FORMATS:
        params = inspect.signature(kind.reader).parameters
        assert set(params) - {"path", "file"} == kind.options, kind.name


def test_suffixes_name_one_format_each_and_every_one_is_listed() -> None:
    """A suffix that several formats share (.csv: BrainFlow and CSV; .txt: BrainFlow and
    OpenBCI) is told apart by the file's first bytes: every format but one there sniffs."""
    suffixes = [s for f in FORMATS for s in f.suffixes]
    for suffix in set(suffixes):
        sharing = [f for f in FORMATS if suffix in f.suffixes]
        assert len(sharing) == 1 or sum(f.sniff is None for f in sharing) <= 1, suffix
    assert all(s == s.lower() and s.startswith(".") for s in suffixes)
    assert all(s in SUPPORTED for s in suffixes)
    assert all((s in IN_EXTENSION) == f.in_extension for f in FORMATS for s in f.suffixes)


def test_a_path_finds_its_descriptor(tmp_path: Path) -> None:
    assert format_for(tmp_path) is DEAP
    assert format_for("a/b.XDF.GZ").name == "XDF"  # type: ignore[union-attr]
    assert format_for("rec.vhdr").in_extension is False  # type: ignore[union-attr]
    assert format_for("notes.rtf") is None
    brainflow, csv, openbci = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.txt"
    brainflow.write_text("0.000000\t11.766236\t28.062480\n")
    csv.write_text("time,Fp1\n0,1\n")
    openbci.write_text("%OpenBCI Raw EXG Data\n%Sample Rate = 250 Hz\n")
    names = [format_for(p).name for p in (brainflow, csv, openbci)]  # type: ignore[union-attr]
    assert names == ["BrainFlow", "CSV", "OpenBCI"]
    assert format_for(tmp_path / "absent.csv").name == "CSV"  # type: ignore[union-attr]
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert format_for(notes) is None  # no .txt format recognises it
    with pytest.raises(InputError, match=r"notes\.txt: unsupported '\.txt' file: neither a "
                       "BrainFlow nor an OpenBCI GUI recording"):  # fmt: skip
        read_recording(notes)


def test_an_option_its_format_does_not_take_is_refused_naming_those_that_do(
    tmp_path: Path,
) -> None:
    csv = tmp_path / "r.csv"
    csv.write_text("Fp1,Fp2\n1,2\n")
    assert accepting("stream") == "XDF" and accepting("unit") == "XDF and CSV"
    with pytest.raises(InputError, match="'stream' applies to XDF files only"):
        read_recording(csv, stream="EEG")
    with pytest.raises(InputError, match="CSV files carry no subjects"):
        read_recording(csv, subject=1)


def test_the_recording_has_typed_fields_not_a_dict_of_keys(deap_two_trials: Path) -> None:
    names = {f.name for f in dataclasses.fields(Recording)}
    assert "meta" not in names
    rec = read_recording(deap_two_trials, trial=[2])
    assert (rec.format, rec.preprocessed, rec.unit_known, rec.subject) == ("DEAP", True, True, 1)
