"""Back office: disaster."""
