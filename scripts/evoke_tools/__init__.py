"""Companion tools: synthetic DEAP data, the extension build, file writers, benchmarks, the
hostile-input sandbox, headless Blender sessions. Run as `python scripts/evoke.py TOOL` (the table: `commands.TOOLS`)."""
