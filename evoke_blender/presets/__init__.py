"""Emotion presets in the scene: editing, preview, name maps, the panel."""
