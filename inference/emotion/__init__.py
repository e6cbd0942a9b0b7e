"""From VAD probabilities to what the face shows: rating labels, the 8-emotion table, smoothing,
and the presets that turn emotions into shape-key weights."""
