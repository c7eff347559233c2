"""Social assistance models: disaster."""

__all__: list[str] = []
