"""Live: the driver that writes the face from an LSL stream, recording it, operators, panel."""
