"""`python scripts/evoke.py bench_runtime [--json]`: the runtime's speed figures, each against a
reference in the same run.

References need scipy (per-window Butterworth loop, TorchEEG-style) and torch (same weights);
where one is missing its figure is reported as null with the reason. Timings are medians.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from inference.dsp.features import FeatureSettings
from inference.dsp.trials import trial_features
from inference.model.model_file import load_model

DEAP_SUBJECTS = 32


def _noise_subject(seed: int = 0) -> np.ndarray:
    """A DEAP-shaped subject (40, 40, 8064) of band-limited noise: timing does not depend on content."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((40, 40, 8064)).astype(np.float32)
    return (np.cumsum(x, axis=-1) * 0.1 + 20 * x).astype(np.float32)


def _interleaved(fns: dict[str, Any], rounds: int) -> dict[str, float]:
    """Median seconds of each function, timed in alternation so host noise hits all alike."""
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    return {k: float(np.median(v)) for k, v in times.items()}


def _median_time(fn: Any, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def _scipy_loop_de(eeg: np.ndarray, settings: FeatureSettings) -> np.ndarray:
    """TorchEEG-style reference: design and run the filter per window, per channel, per band."""
    from scipy.signal import butter, lfilter

    n = settings.window_samples
    base_len = n * settings.baseline_segments
    out = []
    for trial in eeg:
        base = trial[:, :base_len].reshape(trial.shape[0], -1, n).mean(axis=1)
        for start in range(base_len, trial.shape[1] - n + 1, n):
            window = trial[:, start : start + n]
            feats = []
            for ch in range(window.shape[0]):
                for lo, hi in settings.bands:
                    b, a = butter(settings.filter_order, [lo, hi], fs=settings.rate, btype="band")
                    de = 0.5 * np.log2(2 * np.pi * np.e * np.var(lfilter(b, a, window[ch])))
                    de_base = 0.5 * np.log2(2 * np.pi * np.e * np.var(lfilter(b, a, base[ch])))
                    feats.append(de - de_base)
            out.append(feats)
    return np.array(out)


def _feature_figures(reference_trials: int) -> dict[str, Any]:
    settings = FeatureSettings()
    eeg = _noise_subject()[:, :32]
    trial_features(eeg[:2], settings)  # warm caches (filter matrices)
    ours = _median_time(lambda: trial_features(eeg, settings), 3)
    fig: dict[str, Any] = {
        "features_subject_s": round(ours, 4),
        "features_all_deap_s": round(ours * DEAP_SUBJECTS, 2),
        "features_windows_per_s": round(40 * 60 / ours, 1),
    }
    try:
        k = max(1, min(reference_trials, 40))
        ref = _median_time(lambda: _scipy_loop_de(eeg[:k], settings), 1) * 40 / k
        fig.update(
            features_reference_subject_s=round(ref, 2),
            features_reference_trials_timed=k,
            features_speedup=round(ref / ours, 1),
        )
    except ImportError:
        fig.update(features_speedup=None, features_reference="scipy not installed")
    psd = FeatureSettings(kind="psd")
    fig["features_psd_subject_s"] = round(_median_time(lambda: trial_features(eeg, psd), 3), 4)
    return fig


def _layers(net: Any) -> list[Any]:
    from torch import nn

    return [m for m in net if isinstance(m, nn.Conv2d | nn.Linear)]


def _forward_figures() -> dict[str, Any]:
    model = load_model()
    rng = np.random.default_rng(1)
    x1 = rng.standard_normal((1, 4, 9, 9)).astype(np.float32)
    xb = rng.standard_normal((1024, 4, 9, 9)).astype(np.float32)
    model.net.logits(xb)
    fig: dict[str, Any] = {
        "forward_batch1_ms_median": round(
            _median_time(lambda: model.net.logits(x1), 2000) * 1e3, 4
        ),
    }
    try:
        import torch
    except ImportError:
        ours = 1024 / _median_time(lambda: model.net.logits(xb), 30)
        fig.update(
            forward_batch1024_windows_per_s=round(ours, 1),
            torch_ratio_batch1024=None,
            torch="not installed",
        )
        return fig
    from torch import nn

    torch.set_grad_enabled(False)
    net = nn.Sequential(
        nn.Conv2d(4, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(2592, 128), nn.ReLU(), nn.Linear(128, 3),
    ).eval()  # fmt: skip
    names = ["conv1", "conv2", "fc1", "fc2"]
    for layer, name in zip(_layers(net), names, strict=True):
        layer.weight.copy_(torch.from_numpy(model.net.weights[name + ".weight"]))
        layer.bias.copy_(torch.from_numpy(model.net.weights[name + ".bias"]))
    tb, t1 = torch.from_numpy(xb), torch.from_numpy(x1)
    diff = float(np.abs(net(tb).numpy() - model.net.logits(xb)).max())
    batch = _interleaved({"ours": lambda: model.net.logits(xb), "torch": lambda: net(tb)}, 30)
    single = _interleaved({"ours": lambda: model.net.logits(x1), "torch": lambda: net(t1)}, 2000)
    fig.update(
        forward_batch1024_windows_per_s=round(1024 / batch["ours"], 1),
        torch_batch1_ms_median=round(single["torch"] * 1e3, 4),
        torch_batch1024_windows_per_s=round(1024 / batch["torch"], 1),
        torch_ratio_batch1024=round(batch["torch"] / batch["ours"], 3),
        torch_ratio_batch1=round(single["torch"] / single["ours"], 3),
        torch_threads=torch.get_num_threads(),
        torch_max_abs_logit_diff=diff,
        timing="ours and torch timed in alternation (medians), so host noise hits both alike",
    )
    return fig


_CHILD = """
import importlib, json, resource, sys, time


def peak_mib():  # Linux: VmHWM, reset below; ru_maxrss would start at the parent's size
    try:
        with open("/proc/self/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the high-water mark starts afresh at this process's own size
except OSError:
    pass
t = time.perf_counter()
runtime = importlib.import_module("inference")  # a fresh process: the package is top level here
imported = time.perf_counter() - t
heavy = sorted(m for m in ("torch", "scipy", "bpy") if m in sys.modules)
t = time.perf_counter()
pred = runtime.predict(runtime.read_recording(sys.argv[1]), runtime.load_model())
elapsed = time.perf_counter() - t
rss = peak_mib()
print(json.dumps({"import_s": imported, "predict_subject_s": elapsed, "peak_rss_mb": rss,
                  "heavy_modules_loaded": heavy, "windows": sum(len(t.t) for t in pred.timelines)}))
"""


def _process_figures() -> dict[str, Any]:
    """Import time and peak memory of a fresh process predicting one subject from a .dat file
    in DEAP's own layout (float64 samples in a Python 2 style pickle: 98 MiB)."""
    from evoke_tools.synthetic import write_dat

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s01.dat"
        labels = np.random.default_rng(3).uniform(1, 9, (40, 4))
        write_dat(path, _noise_subject(2).astype(np.float64), labels)
        file_mib = path.stat().st_size / 2**20
        env = dict(os.environ)  # `inference` comes from the project's (editable) install
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    fig["file_mb"] = file_mib
    fig["peak_over_file"] = fig["peak_rss_mb"] / file_mib
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in fig.items()}


def _live_figures(steps: int = 40, cadence_s: float = 0.25) -> dict[str, Any]:
    """One live step (LiveProcessor.push of 0.25 s of 32-channel EEG) at the live cadence.

    Pushes are 250 ms apart, as in Blender, so each starts on caches the pause has cooled;
    back-to-back timings would flatter it. 128 Hz needs no resampling, 512 Hz an integer ratio,
    250 Hz a fractional one (64/125).
    """
    from inference.dsp.electrodes import DEAP_EEG_CHANNELS
    from inference.live.processor import LiveProcessor

    model = load_model()
    rng = np.random.default_rng(4)
    out: dict[str, Any] = {}
    for rate in (128, 250, 512):
        live = LiveProcessor(model, DEAP_EEG_CHANNELS, float(rate))  # the default calibration
        chunk = rate // 4
        while live.stats.windows < 8:  # through the calibration, to the first windows
            live.push(20 * rng.standard_normal((chunk, 32)).astype(np.float32))
        times = []
        for _ in range(steps):
            x = 20 * rng.standard_normal((chunk, 32)).astype(np.float32)
            time.sleep(cadence_s)
            t = time.perf_counter()
            live.push(x)
            times.append((time.perf_counter() - t) * 1e3)
        out[f"live_step_{rate}hz_ms_p50"] = round(float(np.percentile(times, 50)), 3)
        out[f"live_step_{rate}hz_ms_p95"] = round(float(np.percentile(times, 95)), 3)
    return out


def run_bench(*, as_json: bool = False, reference_trials: int = 4) -> int:
    figures: dict[str, Any] = {"cpu_count": os.cpu_count(), "numpy": np.__version__}
    figures.update(_forward_figures())
    figures.update(_feature_figures(reference_trials))
    figures.update(_process_figures())
    figures.update(_live_figures())
    figures["targets"] = {  # the project's figures to beat (README, Speed)
        "features_speedup": ">= 500",
        "features_all_deap_s": "<= 5",
        "forward_batch1_ms_median": "<= 0.10",
        "torch_ratio_batch1024": ">= 1.0",
        "peak_rss_mb": "<= 2x the subject's file (206 MB for DEAP's 103 MB)",
        "live_step_*hz_ms_p95": "<= 2 (the whole tick, with the LSL pull and the shape keys)",
    }
    if as_json:
        print(json.dumps(figures, indent=1))
    else:
        for k, v in figures.items():
            print(f"{k:34s} {v}")
    return 0


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--reference-trials", type=int, default=4, help="trials timed in the scipy loop"
    )
    args = ap.parse_args(argv)
    return run_bench(as_json=args.json, reference_trials=args.reference_trials)


if __name__ == "__main__":
    sys.exit(main())
