"""Social assistance models: charity."""

__all__: list[str] = []
