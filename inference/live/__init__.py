"""Live: the transport-free processor (chunks in, emotion updates out), what an LSL stream says
about itself, the LSL stream reader and the replay player."""
