"""What the command line prints: one line per problem, naming the file, printable, of bounded
length; valid JSON; library warnings as notes; channel maps from files and beyond DEAP's 32."""

from __future__ import annotations

import io
import json
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
from evoke_tools.hostile_recordings import _good_csv

from inference.cli import main
from inference.dsp.electrodes import DEAP_EEG_CHANNELS
from inference.emotion.table import EmotionTable
from inference.limits import MAX_MESSAGE_CHARS
from inference.model.model_file import save_model
from inference.model.untrained import untrained_metadata, untrained_weights


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_newline_in_a_file_name_cannot_forge_a_second_line(tmp_path: Path) -> None:
    path = tmp_path / "x\nerror: forged.csv"
    path.write_text("time,Fp1\n0,1\n")
    code, _, err = run("predict", str(path))
    assert code == 2 and err.count("\n") == 1  # one line, its newline escaped
    assert "x\\nerror: forged.csv" in error_line(err)


def test_long_error_lines_are_shortened_keeping_both_ends(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    labels = ["L" + "x" * 10_000 + str(k) for k in range(16)]  # 10 KB labels: no electrode
    path.write_text(",".join(labels) + "\n" + ("1," * 15 + "1\n") * 2)
    code, _, err = run("predict", str(path), "--rate", "128")
    line = error_line(err)
    assert code == 2 and len(line) < MAX_MESSAGE_CHARS + 100
    assert str(path) in line and "characters left out" in line and "channel map" in line


def test_proc_entries_are_not_regular_files(tmp_path: Path) -> None:
    csv = _good_csv(tmp_path)
    for option in ("--model", "--emotions"):
        code, _, err = run("predict", str(csv), option, "/proc/self/mem")
        assert code == 2 and "/proc/self/mem: not a regular file" in error_line(err)


def _model_with(tmp_path: Path, name: str, raw_metadata: bytes) -> Path:
    path = save_model(tmp_path / f"{name}.npz", untrained_weights(), untrained_metadata())
    with zipfile.ZipFile(path) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.frombuffer(raw_metadata, dtype=np.uint8))
    entries["metadata.json.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for member, data in entries.items():
            z.writestr(member, data)
    return path


def test_model_info_prints_valid_json_or_refuses(tmp_path: Path) -> None:
    meta = {"format": "evoke-model", "format_version": 1, **untrained_metadata()}
    good = _model_with(tmp_path, "good", json.dumps(meta).encode())
    code, out, _ = run("model-info", str(good))
    assert code == 0 and json.loads(out.split("\n", 1)[1])["format_version"] == 1
    nan = json.dumps({**meta, "provenance": {**meta["provenance"], "notes": 1}})
    nan = nan.replace('"notes": 1', '"notes": NaN')
    code, _, err = run("model-info", str(_model_with(tmp_path, "nan", nan.encode())))
    assert code == 2 and "NaN is not a JSON value" in error_line(err)
    true = json.dumps({**meta, "format_version": True}).encode()
    code, _, err = run("model-info", str(_model_with(tmp_path, "true", true)))
    assert code == 2 and "format version true is not supported" in error_line(err)


def test_absurd_weights_are_refused(tmp_path: Path) -> None:
    weights = untrained_weights()
    path = save_model(tmp_path / "huge.npz", weights, untrained_metadata())
    weights["fc2.weight"] = weights["fc2.weight"] * np.float32(3e38)
    with zipfile.ZipFile(path) as z:
        entries = {i.filename: z.read(i) for i in z.infolist()}
    buf = io.BytesIO()
    np.lib.format.write_array(buf, weights["fc2.weight"])
    entries["fc2.weight.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for member, data in entries.items():
            z.writestr(member, data)
    code, _, err = run("predict", str(_good_csv(tmp_path)), "--model", str(path))
    assert code == 2 and "'fc2.weight' holds weights up to" in error_line(err)


def test_emotion_names_are_printed_escaped(tmp_path: Path) -> None:
    names = [f"\x1b[31mred{k}\nline" for k in range(8)]
    table = {
        "emotions": [{"vad": [k >> 2 & 1, k >> 1 & 1, k & 1], "name": names[k]} for k in range(8)]
    }
    path = tmp_path / "table.json"
    path.write_text(json.dumps(table))
    assert EmotionTable.load(path).names[0] == names[0]  # the table keeps them as written
    code, out, _ = run("predict", str(_good_csv(tmp_path)), "--emotions", str(path))
    assert code == 0 and "\x1b" not in out and "\\x1b[31mred" in out
    rows = [line for line in out.splitlines() if "red" in line]
    assert rows and all("\\nline" in line for line in rows)


def test_channel_map_from_a_file_and_beyond_deap(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal((128 * 40, 10)) * 20
    path = tmp_path / "numbered.csv"
    header = ",".join(["time", *(f"Ch{k}" for k in range(1, 11))])
    np.savetxt(path, np.column_stack([np.arange(len(x)) / 128, x]), delimiter=",",
               header=header, comments="", fmt="%.4f")  # fmt: skip
    electrodes = DEAP_EEG_CHANNELS[:9]
    mapping = {f"Ch{k + 1}": e for k, e in enumerate(electrodes)} | {"Ch10": "T9"}
    json_file = tmp_path / "map.json"
    json_file.write_text(json.dumps(mapping))
    code, out, err = run("predict", str(path), "--channel-map", str(json_file), "--json")
    assert code == 0, err
    assert json.loads(out) and "Ch10=T9: not among DEAP's 32 electrodes" in err
    pairs = tmp_path / "map.txt"
    pairs.write_text("\n".join(f"{k}={v}" for k, v in mapping.items()))
    code, out2, _ = run("predict", str(path), "--channel-map", str(pairs), "--json")
    assert code == 0 and out2 == out
    code, _, err = run("predict", str(path), "--channel-map", str(tmp_path / "none.json"))
    assert code == 2 and "none.json': neither 'channel=electrode' pairs" in error_line(err)


def test_repeated_trials_are_read_once(deap_two_trials: Path) -> None:
    code, out, err = run("predict", str(deap_two_trials), "--json", *["--trial", "2"] * 300)
    assert code == 0 and "299 repeated numbers read once" in err
    assert {row["trial"] for row in json.loads(out)} == {2} and len(json.loads(out)) == 60


def test_a_set_naming_a_renamed_fdt_reads_its_own_without_raw_warnings(tmp_path: Path) -> None:
    """A .set whose `data` names an .fdt that was renamed: MNE (and the size check) fall back to
    the .fdt beside it, and nothing prints a raw warning line."""
    from evoke_tools.writers import write_eeglab_fdt
    from scipy.io import loadmat, savemat

    x = np.random.default_rng(2).standard_normal((128 * 40, 32)).astype(np.float32) * 20
    path, _ = write_eeglab_fdt(tmp_path / "rec.set", x, 128.0, tuple(DEAP_EEG_CHANNELS))
    content = {k: v for k, v in loadmat(path).items() if not k.startswith("__")}
    content["data"] = "renamed.fdt"
    savemat(path, content)
    code, out, err = run("predict", str(path), "--json")
    assert code == 0 and json.loads(out)
    assert all(line.startswith(("note:", "warning: UNTRAINED")) for line in err.splitlines()), err
