"""The training companion (torch): data, models, distillation, protocols, reports, export.

Imported by the thin command-line tools in scripts/ (train.py, sweep.py, table1.py, ...)."""
