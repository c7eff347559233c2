"""Back office: charity."""
