"""Social assistance models: notices."""

__all__: list[str] = []
