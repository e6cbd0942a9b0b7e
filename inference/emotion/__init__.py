"""From VAD probabilities to an emotion: rating labels, the 8-emotion table, smoothing (live and
with hindsight) and the timeline's CSV/JSON. What the face does with it is `inference.face`."""
