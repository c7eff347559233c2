"""Social assistance models: poverty."""

__all__: list[str] = []
