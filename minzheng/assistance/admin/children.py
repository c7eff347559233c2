"""Back office: children."""
