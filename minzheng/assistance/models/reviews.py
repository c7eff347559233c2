"""Social assistance models: reviews."""

__all__: list[str] = []
