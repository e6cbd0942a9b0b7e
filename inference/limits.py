"""Resource budgets: every input is checked against these before anything is allocated for it.

The promise (README, "Bad input"): reading any input takes at most a few times the memory of the
samples the file really holds, plus a fixed allowance, and a bounded time; anything that claims
more (a header declaring more samples, channels or seconds than its bytes hold, a shared
reference repeated, a compressed file that inflates without end) is refused with a message.
"""

from __future__ import annotations

MiB = 1 << 20
GiB = 1 << 30

MAX_RECORDING_BYTES = 4 * GiB  # any one recording file (a DEAP .dat is ~100 MB)
MAX_CHANNELS = 1024  # EEG systems have up to 256-512
MAX_INFLATION = 32  # compressed recordings: decompressed bytes per compressed byte (float EEG ~1-2)
MAX_DEAP_MAT_BYTES = 256 * MiB  # the arrays a DEAP .mat may declare (DEAP's own: 103 MB)
MAX_TEXT_BYTES = 1 * MiB  # emotion tables, presets, channel maps, model metadata
MAX_JSON_DEPTH = 32
MAX_MODEL_BYTES = 64 * MiB  # the student is ~1.4 MB
MAX_MODEL_MEMBER_BYTES = 16 * MiB
MAX_FILTER_MATRIX_BYTES = 64 * MiB  # a model's band filters at its rate x window (default: 0.5 MB)
MAX_MODEL_WEIGHT = 1e3  # |weight| of a model file; trained students stay below ~10
MAX_MARKERS = 100_000  # markers (annotations, status changes, events) per recording: 28 h at 1/s
MAX_MARKER_FILE_BYTES = 16 * MiB  # a BrainVision .vmrk (text; ~40 bytes a marker)
MAX_XDF_STREAMS = 1_000  # streams in one XDF file (LabRecorder: a few per device)
MAX_CLOCK_OFFSETS = 100_000  # XDF ClockOffset chunks (LabRecorder writes one each 5 s: 139 h)
MAX_CSV_CELL_CHARS = 64  # one CSV cell; a number needs ~25
MAX_PICKLE_OPCODES = 100_000  # a DEAP .dat holds a few dozen (its arrays are single opcodes)
MAX_PICKLE_DEPTH = 64  # nesting of the values a pickle rebuilds (DEAP: a dict of two arrays)
MAX_PICKLE_VALUES = 1_000_000  # containers and values a pickle rebuilds
MAX_TRIALS = 1_000  # trials chosen at once (DEAP: 40 per subject)
MAX_MESSAGE_CHARS = 2_000  # one error or note line; longer ones keep their start and end
READ_BLOCK_BYTES = MiB // 4  # file bytes decoded at a time (EDF/BDF): bounds the temporaries
# What the budget promises (and the fuzz suite holds): peak memory of reading and predicting <=
# MEMORY_FACTOR x the bytes of samples the file holds + MEMORY_ALLOWANCE beyond the interpreter.
MEMORY_FACTOR = 6
MEMORY_ALLOWANCE = 256 * MiB
# Live streams: a pull takes up to this many seconds of samples (at the stream's rate), so that a
# tick every 0.25 s keeps up 8-fold with any accepted rate (20 kHz too); time stamps further than
# LIVE_CLOCK_SKEW_S from the receiver's clock (or going backwards) are replaced by arrival times.
LIVE_PULL_S = 2.0
LIVE_CLOCK_SKEW_S = 60.0  # an LSL inlet buffers 30 s; a corrected stamp is within seconds
