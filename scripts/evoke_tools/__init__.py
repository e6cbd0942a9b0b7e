"""Companion tools: synthetic DEAP data, the extension build, file writers, benchmarks, the
hostile-input sandbox, headless Blender sessions. Imported by the thin tools in scripts/."""
