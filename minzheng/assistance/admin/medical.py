"""Back office: medical."""
