"""Back office: reviews."""
