"""Pure-Python text layer: normalising reader input and rendering it as safe HTML."""
