"""SFNet: store-and-fetch space-time video super-resolution for MMagic.

Importing this package registers its components into MMagic's registries
(``mmagic.registry.MODELS``, ``DATASETS``, ``TRANSFORMS``,
``METRICS``) and makes
mmengine's checkpoint loading work with weights-only unpickling (see
:mod:`sfvsr_plugin.checkpoint`).
"""
from .quiet import third_party_warnings_silenced

# the stack's deprecation notices of its first import (sfvsr_plugin.quiet)
with third_party_warnings_silenced():
    from .checkpoint import register_weights_only_loading
    from .version import __version__

    register_weights_only_loading()

    import mmagic.models  # noqa: F401,E402  (imports diffusers)

    from . import datasets, evaluation, models  # noqa: F401  (registries)

__all__ = ['__version__']
