"""The procedural EVOKE avatar: a rigged, ARKit-shape-keyed head-and-shoulders bust.

Pure numpy (testable without Blender): ``proportions`` (sizes, names, colours), ``surface``
(skin maths), ``mesh`` (islands and merging), ``head`` and ``parts`` (the geometry, bone
layout), ``expressions`` (the ARKit shape keys). ``build`` is the only module that needs bpy.
"""
