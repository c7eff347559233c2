"""Social assistance models: medical."""

__all__: list[str] = []
