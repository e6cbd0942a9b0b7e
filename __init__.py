"""EVOKE Blender extension entry: Blender loads this folder as a package and calls these two."""

# Blender imports this folder as a package (bl_ext.<repo>.evoke). pytest also meets this file,
# as the repository root, and imports it outside any package when the checkout's folder name is
# not a Python identifier: then there is nothing to register.
if __package__:
    from .evoke_blender import register, unregister

    __all__ = ["register", "unregister"]
