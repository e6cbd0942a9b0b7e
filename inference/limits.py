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
# What the budget promises (and the fuzz suite holds): peak memory of reading and predicting <=
# MEMORY_FACTOR x the bytes of samples the file holds + MEMORY_ALLOWANCE beyond the interpreter.
MEMORY_FACTOR = 6
MEMORY_ALLOWANCE = 256 * MiB
