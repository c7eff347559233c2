"""Back office: poverty."""
