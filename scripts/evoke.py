"""EVOKE's companion tools, one command: `python scripts/evoke.py TOOL [options]`.

`python scripts/evoke.py` lists the tools (the table is `evoke_tools.commands.TOOLS`);
`python scripts/evoke.py TOOL --help` shows a tool's options. Run from a checkout: the
companion packages (`evoke_tools`, `evoke_training`) live beside this file."""

from evoke_tools.commands import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
