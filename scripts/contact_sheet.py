"""Render the eight emotion presets on the procedural avatar into one labelled 4x2 contact sheet.

The code lives in `evoke_tools.contact_sheet`; see its notes."""

from evoke_tools.contact_sheet import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
