"""Regenerate Table I: cost and accuracy of ViT, Arjun ViT, CCNN and the EVOKE student.

The code lives in `evoke_training.table1`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_training.table1 import main

if __name__ == "__main__":
    leave(main())
