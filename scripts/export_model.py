"""Run folder -> model file the add-on runs (inference.model.model_file.save_model), with provenance.

The code lives in `evoke_training.export`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_training.export import main

if __name__ == "__main__":
    leave(main())
