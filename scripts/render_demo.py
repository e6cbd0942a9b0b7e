"""Render a demo clip headless: the extension is built, installed and driven like a user would.

The code lives in `evoke_tools.render_demo`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_tools.render_demo import main

if __name__ == "__main__":
    leave(main())
