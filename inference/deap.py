"""DEAP (Koelstra et al. 2011), in one place: what its files hold and how they are laid out."""

from __future__ import annotations

import re

# Preprocessed files (data_preprocessed_python/sXX.dat, Matlab copies sXX.mat): per subject,
# data (trials x 40 channels x 8064 samples at 128 Hz: 3 s pre-trial baseline, then 60 s of
# video) and labels (trials x 4 ratings on 1..9). Channels 1-32 are EEG in Geneva order.
EEG_CHANNELS: tuple[str, ...] = (
    "Fp1", "AF3", "F3", "F7", "FC5", "FC1", "C3", "T7", "CP5", "CP1", "P3", "P7", "PO3", "O1",
    "Oz", "Pz", "Fp2", "AF4", "Fz", "F4", "F8", "FC6", "FC2", "Cz", "C4", "T8", "CP6", "CP2",
    "P4", "P8", "PO4", "O2",
)  # fmt: skip
OTHER_CHANNELS: tuple[str, ...] = (
    "hEOG", "vEOG", "zEMG", "tEMG", "GSR", "Respiration", "Plethysmograph", "Temperature",
)  # fmt: skip
ALL_CHANNELS: tuple[str, ...] = EEG_CHANNELS + OTHER_CHANNELS
RATE = 128.0
N_CHANNELS = len(ALL_CHANNELS)
N_SAMPLES = 8064  # 63 s at 128 Hz
BASELINE_S = 3.0
BASELINE_SAMPLES = round(BASELINE_S * RATE)
TRIAL_S = 60.0
N_RATINGS = 4
RATING_NAMES = ("valence", "arousal", "dominance", "liking")
N_SUBJECTS = 32
SUBJECT_FILE = re.compile(r"^s(\d{2})\.(dat|mat)$", re.IGNORECASE)  # s01.dat ... s32.mat

# Original recordings (data_original/sXX.bdf): BioSemi BDF at 512 Hz, 48 channels, and a Status
# channel whose codes mark the experiment (3: fixation before a trial, 4: start of the music
# video, 5: fixation after it). A trial is the 60 s from a 4, the 3 s before it its baseline.
RAW_RATE = 512.0
STATUS_VIDEO_START = 4
