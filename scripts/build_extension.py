"""Build (and validate) the extension zip with Blender's own extension tool.

The code lives in `evoke_tools.extension`; see its notes."""

import sys

from evoke_tools.extension import main

if __name__ == "__main__":
    sys.exit(main())
