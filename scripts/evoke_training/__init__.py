"""The training companion (torch): data, models, distillation, protocols, reports, export.

Run as `python scripts/evoke.py train` (and sweep, table1, export_model, make_model, selection)."""
