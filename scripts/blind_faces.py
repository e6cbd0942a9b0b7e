"""Render the eight preset faces unlabelled in a shuffled order, or score a namer's answers.

The code lives in `evoke_tools.blind_faces`; see its notes."""

from evoke_tools.blind_faces import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
