"""Build (and validate) the extension zip with Blender's own extension tool.

The code lives in `evoke_tools.extension`; see its notes."""

from evoke_tools.extension import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
