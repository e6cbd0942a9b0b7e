"""pylsl, loaded once with one message for what to install when it cannot be."""

from __future__ import annotations

from types import ModuleType

from ..errors import EvokeError

PYLSL = "pylsl"  # the version the extension bundles is pinned in pyproject's `live` extra
LIBLSL_HELP = (
    "Live streams need pylsl with its native library liblsl ({error}). pylsl's wheels "
    f"(pip install {PYLSL}) bundle liblsl for x86-64 Linux with glibc >= 2.35, Windows and "
    "macOS; elsewhere install liblsl "
    "(`conda install -c conda-forge liblsl`, your distribution's package, or a release from "
    "https://github.com/sccn/liblsl/releases) and set PYLSL_LIB to the library file. "
    "Recordings from files still work."
)


def import_pylsl() -> ModuleType:
    """pylsl, or EvokeError saying what to install (pylsl raises RuntimeError without liblsl)."""
    try:
        import pylsl
    except ImportError as exc:
        if exc.name == "pylsl":
            raise EvokeError(f"Live streams need pylsl: pip install {PYLSL}") from None
        raise EvokeError(LIBLSL_HELP.format(error=exc)) from None
    except (RuntimeError, OSError) as exc:
        raise EvokeError(LIBLSL_HELP.format(error=f"{type(exc).__name__}: {exc}")) from None
    return pylsl
