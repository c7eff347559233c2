"""Back office: applications."""
