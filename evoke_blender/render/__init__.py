"""Render a clip with the emotion overlay: the clip, the operator, the panel."""
