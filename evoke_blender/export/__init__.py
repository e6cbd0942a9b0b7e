"""Results out of Blender: the baked timeline as CSV/JSON, timeline markers where the emotion
changes, and what a bake keeps on the face so both stay right after save and reopen."""
