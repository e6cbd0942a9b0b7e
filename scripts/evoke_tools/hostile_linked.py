"""The hostile catalogue's BrainVision and EEGLAB files: the data and marker files a header
names, which MNE opens (FIFOs, devices, sparse files, decoy sections, renamed .fdt files)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from evoke_tools.hostile_cases import _predict, case


# MNE formats: the files a header names
def _brainvision(d: Path) -> tuple[Path, Path, Path]:
    from evoke_tools.writers import write_brainvision

    folder = d / f"bv{len(list(d.glob('bv*')))}"
    folder.mkdir()
    x = np.random.default_rng(0).standard_normal((128 * 4, 10)).astype(np.float32) * 20
    vhdr, vmrk, eeg = write_brainvision(folder / "rec", x, 128.0, tuple(f"C{k}" for k in range(10)))
    return vhdr, vmrk, eeg


@case("vhdr: its DataFile is a sparse 64 GB file")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    with open(eeg, "wb") as f:
        f.truncate(64 << 30)
    return _predict(vhdr), vhdr


@case("vhdr: its DataFile is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    eeg.unlink()
    os.mkfifo(eeg)
    return _predict(vhdr), vhdr


@case("vhdr: its MarkerFile is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, vmrk, _ = _brainvision(d)
    vmrk.unlink()
    os.mkfifo(vmrk)
    return _predict(vhdr), vhdr


@case("vhdr: its MarkerFile is /dev/zero")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    vhdr.write_text(vhdr.read_text().replace("MarkerFile=rec.vmrk", "MarkerFile=/dev/zero"))
    return _predict(vhdr), vhdr


@case("vhdr: its DataFile is missing")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, eeg = _brainvision(d)
    eeg.unlink()
    return _predict(vhdr), vhdr


@case("set: its .fdt is a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    from evoke_tools.writers import write_eeglab_fdt

    x = np.random.default_rng(0).standard_normal((128 * 4, 10)).astype(np.float32)
    path, fdt = write_eeglab_fdt(d / "fifo.set", x, 128.0, tuple(f"C{k}" for k in range(10)))
    fdt.unlink()
    os.mkfifo(fdt)
    return _predict(path), path


# The third round (issue 28): check exactly what MNE opens
def _with_decoy(vhdr: Path, real: tuple[str, str]) -> None:
    """A "[COMMON INFOS]" section naming the good files before the real "[Common Infos]", whose
    `real` (key, value) is the attack: a check that lower-cases section names and keeps the first
    DataFile/MarkerFile checks the decoy while MNE (configparser, case-sensitive) opens the real."""
    first, rest = vhdr.read_text().split("\n", 1)
    decoy = "[COMMON INFOS]\nDataFile=rec.eeg\nMarkerFile=rec.vmrk\n\n"
    key, value = real
    rest = rest.replace(f"{key}=rec.{'eeg' if key == 'DataFile' else 'vmrk'}", f"{key}={value}")
    vhdr.write_text(first + "\n" + decoy + rest)


@case("vhdr: a decoy [COMMON INFOS] first, the real MarkerFile /dev/zero")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    _with_decoy(vhdr, ("MarkerFile", "/dev/zero"))
    return _predict(vhdr), vhdr


@case("vhdr: a decoy [COMMON INFOS] first, the real DataFile a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    os.mkfifo(vhdr.parent / "pipe.eeg")
    _with_decoy(vhdr, ("DataFile", "pipe.eeg"))
    return _predict(vhdr), vhdr


@case("vhdr: a decoy [COMMON INFOS] first, the real MarkerFile a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    os.mkfifo(vhdr.parent / "pipe.vmrk")
    _with_decoy(vhdr, ("MarkerFile", "pipe.vmrk"))
    return _predict(vhdr), vhdr


@case("vhdr: an unknown Codepage")
def _(d: Path) -> tuple[list[str], Path]:
    vhdr, _, _ = _brainvision(d)
    vhdr.write_text(vhdr.read_text().replace("Codepage=UTF-8", "Codepage=EBCDIC-9000"))
    return _predict(vhdr), vhdr


@case("vhdr: a non-ASCII name, Codepage=UTF-8 (pybv)")
def _(d: Path) -> tuple[list[str], Path]:
    from evoke_tools.writers import write_brainvision

    folder = d / "utf8"
    folder.mkdir(exist_ok=True)
    x = np.random.default_rng(0).standard_normal((128 * 40, 10)).astype(np.float32) * 20
    names = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
    vhdr, _, _ = write_brainvision(folder / "Müller_Sitzung", x, 128.0, names)
    return _predict(vhdr), vhdr


def _eeglab_struct(d: Path, name: str) -> tuple[Path, Path]:
    """EEGLAB's one-`EEG`-struct layout, over 1 MiB (a long history), its .fdt renamed."""
    from evoke_tools.writers import write_eeglab_struct

    x = np.random.default_rng(0).standard_normal((128 * 40, 10)).astype(np.float32) * 20
    names = ("Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2")
    path, fdt = write_eeglab_struct(d / f"{name}.set", x, 128.0, names, f"{name}-renamed.fdt",
                                    history_chars=1_200_000)  # fmt: skip
    return path, fdt


@case("set: an EEG struct over 1 MiB, its renamed .fdt a FIFO")
def _(d: Path) -> tuple[list[str], Path]:
    path, fdt = _eeglab_struct(d, "struct-fifo")
    fdt.unlink()
    os.mkfifo(fdt)
    return _predict(path), path


@case("set: an EEG struct over 1 MiB, its .fdt renamed")
def _(d: Path) -> tuple[list[str], Path]:
    path, _ = _eeglab_struct(d, "struct-renamed")
    return _predict(path), path


@case("set: an EEG struct inflating 1000-fold")
def _(d: Path) -> tuple[list[str], Path]:
    from scipy.io import savemat

    path = d / "struct-bomb.set"
    savemat(path, {"EEG": {"data": np.zeros((10, 5_000_000)), "srate": 128.0, "nbchan": 10}},
            do_compression=True)  # fmt: skip
    return _predict(path), path
