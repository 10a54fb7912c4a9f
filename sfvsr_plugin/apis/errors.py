"""The error inference raises for inputs it cannot use."""


class InputError(ValueError):
    """An input video or frame folder cannot be used; says which and why."""
