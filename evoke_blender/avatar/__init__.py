"""The procedural EVOKE avatar: a rigged, ARKit-shape-keyed head-and-shoulders bust."""
