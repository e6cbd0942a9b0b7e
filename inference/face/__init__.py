"""From an emotion to a face: the presets (shape-key weights per emotion), face profiles (which
tool named an avatar's keys and how the presets reach them), rig bones by role, and easing."""
