"""Weights-only checkpoint loading that works for mmengine/MMagic checkpoints.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``: only
tensors, containers and allowlisted globals. mmengine 0.10.7 writes numpy
arrays and scalars and its ``HistoryBuffer`` (the message hub's logs) into
every checkpoint, so ``load_from`` and ``--resume`` fail out of the box.

Importing ``sfvsr_plugin`` allowlists exactly those globals (so MMagic's own
tools benefit when a config imports the plugin) and keeps weights-only
loading on: a checkpoint from an untrusted source still cannot run code.
A checkpoint holding any other global is refused with
:class:`UnsafeCheckpointError`, which names the global and how to allow it.
"""
import importlib
import os.path as osp
import pickle
import re
import types
from typing import List

import torch

_GLOBAL_RE = re.compile(r'GLOBAL ([\w.]+)')
_GETATTR_RE = re.compile(r'(checkpoint asks for getattr\(.*)')

#: Fully qualified names of the globals mmengine and MMagic write.
MMENGINE_CHECKPOINT_GLOBALS = (
    'numpy.core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
    'mmengine.logging.history_buffer.HistoryBuffer',
)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled global that is not allowlisted."""


def _import_name(name: str):
    module, _, attr = name.rpartition('.')
    obj = importlib.import_module(module)
    for part in attr.split('.'):
        obj = getattr(obj, part)
    return obj


def _history_buffer_getattr(obj, name):
    """Stands in for ``builtins.getattr`` while unpickling.

    ``HistoryBuffer`` keeps its statistics functions (``HistoryBuffer.min``
    ...) in a dict, and pickle writes a function by qualified name as
    ``getattr(HistoryBuffer, 'min')``. Allowing the real ``getattr`` would
    let a crafted file reach any attribute of any allowed object (and from
    there, code); this one only returns public functions defined on
    ``HistoryBuffer`` itself.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    attr = HistoryBuffer.__dict__.get(name) if obj is HistoryBuffer else None
    if name.startswith('_') or not isinstance(attr, types.FunctionType):
        raise UnsafeCheckpointError(
            f'checkpoint asks for getattr({obj!r}, {name!r}); only public '
            'functions of mmengine HistoryBuffer may be fetched this way')
    return attr


def checkpoint_safe_globals() -> List:
    """The objects allowlisted for weights-only loading."""
    safe = []
    for name in MMENGINE_CHECKPOINT_GLOBALS:
        try:
            safe.append(_import_name(name))
        except (ImportError, AttributeError):  # e.g. numpy 2 moved `core`
            continue
    # numpy >= 1.25 pickles dtypes of some arrays through their classes.
    dtypes = getattr(importlib.import_module('numpy'), 'dtypes', None)
    if dtypes is not None:
        safe += [
            v for v in vars(dtypes).values()
            if isinstance(v, type) and v.__name__.endswith('DType')
        ]
    safe.append((_history_buffer_getattr, 'builtins.getattr'))
    return safe


def allow_checkpoint_globals(*names: str) -> None:
    """Allowlist more globals by name, for checkpoints you trust.

    Example: ``allow_checkpoint_globals('mypkg.module.MyClass')``; the same
    as ``torch.serialization.add_safe_globals([MyClass])``.
    """
    torch.serialization.add_safe_globals([_import_name(n) for n in names])


def load_weights_only(filename: str, map_location=None):
    """``torch.load(weights_only=True)`` with a clear error for bad globals.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        UnsafeCheckpointError: the file holds a global that is not
            allowlisted; the message names it and how to allow it.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found')
    try:
        return torch.load(
            filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        # torch re-raises whatever the unpickler raised as one long message.
        refused_getattr = _GETATTR_RE.search(str(err))
        if refused_getattr:
            raise UnsafeCheckpointError(
                f'refused to load checkpoint {filename}: '
                f'{refused_getattr.group(1)}') from None
        match = _GLOBAL_RE.search(str(err))
        if match is None:
            raise
        name = match.group(1)
        raise UnsafeCheckpointError(
            f'refused to load checkpoint {filename}: it holds the pickled '
            f'global `{name}`, which is not one of the globals mmengine and '
            'MMagic write, and weights-only loading stays on so that a '
            'checkpoint cannot run code. If you trust this file, allow the '
            'global before loading: `from sfvsr_plugin.checkpoint import '
            f"allow_checkpoint_globals; allow_checkpoint_globals('{name}')` "
            f'(or torch.serialization.add_safe_globals).') from None


def load_from_local(filename: str, map_location=None):
    """mmengine's local-file checkpoint loader, weights-only."""
    return load_weights_only(filename, map_location)


def register_weights_only_loading() -> None:
    """Allowlist mmengine's globals and route local loading through here."""
    from mmengine.runner.checkpoint import CheckpointLoader
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)
