"""The explorer and the effect-size calculator."""
