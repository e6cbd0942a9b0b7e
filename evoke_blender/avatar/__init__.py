"""The procedural EVOKE avatar: a rigged, ARKit-shape-keyed head-and-shoulders bust.

Pure numpy (testable without Blender): ``proportions`` (sizes, names, colours), ``surface``
(skin maths), ``mesh`` (islands and merging), ``head`` and ``parts`` (the geometry, bone
layout), ``expressions`` (all 52 ARKit shape keys; the eye and gaze keys in ``eyes``, the mouth,
jaw and tongue keys in ``mouth``). ``build`` is the only module that needs bpy.
"""
