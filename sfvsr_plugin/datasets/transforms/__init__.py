"""Data transforms, registered in ``mmagic.registry.TRANSFORMS``."""
