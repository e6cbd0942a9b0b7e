"""Render the eight preset faces unlabelled in a shuffled order, or score a namer's answers.

The code lives in `evoke_tools.blind_faces`; see its notes."""

import sys

from evoke_tools.blind_faces import main

if __name__ == "__main__":
    sys.exit(main())
