"""The student CNN in numpy, its model files (weights plus the metadata that says how to feed and
trust them) and the bundled model."""
