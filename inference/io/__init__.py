"""Reading recordings: one `Recording` (microvolts, channel labels, rate, trials, markers) from
every format, every input bounded (`inference.limits`) and read without running its code."""
