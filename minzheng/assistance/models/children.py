"""Social assistance models: children."""

__all__: list[str] = []
