"""Bake a recording onto the avatar: reading it as the panel says, keyframes, the panel."""
