"""Render the eight emotion presets on the procedural avatar into one labelled 4x2 contact sheet.

The code lives in `evoke_tools.contact_sheet`; see its notes."""

import sys

from evoke_tools.contact_sheet import main

if __name__ == "__main__":
    sys.exit(main())
