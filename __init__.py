"""EVOKE Blender extension entry: Blender loads this folder as a package and calls these two."""

from .evoke_blender import register, unregister

__all__ = ["register", "unregister"]
