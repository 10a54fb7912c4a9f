"""Silencing the pinned stack's own deprecation notices, and nothing else.

mmengine and MMagic use ``pkg_resources`` (mmengine even reloads it each
time a config names a base by package, so its notice comes back at every
config read) and diffusers, which MMagic imports, uses a private torch
function: each prints a warning about those packages that a user of this
one can do nothing about, ahead of the tools' own lines.
:func:`third_party_warnings_silenced` hides exactly those messages inside
a ``with`` block; any other warning, and these outside the block, are
shown as usual.
"""
import contextlib
import warnings

#: (category, message regex) of the silenced notices.
THIRD_PARTY_WARNINGS = (
    (UserWarning, r'pkg_resources is deprecated'),
    (FutureWarning,
     r'`torch\.utils\._pytree\._register_pytree_node` is deprecated'),
)


@contextlib.contextmanager
def third_party_warnings_silenced():
    """Hide :data:`THIRD_PARTY_WARNINGS` inside the block."""
    with warnings.catch_warnings():
        for category, message in THIRD_PARTY_WARNINGS:
            warnings.filterwarnings('ignore', message, category)
        yield
