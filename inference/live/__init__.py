"""Live: the transport-free processor (chunks in, emotion updates out), the session that runs a
source through it to its outputs without Blender (`session`, `python -m inference live`), the one
table of sources and of outputs (`wiring`), OSC/LSL outputs, BFiVRC-style band powers, OSCQuery,
what an LSL stream says about itself, the LSL stream reader and the replay player."""
