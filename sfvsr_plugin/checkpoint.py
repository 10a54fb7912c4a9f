"""Weights-only checkpoint loading that works for mmengine/MMagic checkpoints.

Since torch 2.6, ``torch.load`` unpickles with ``weights_only=True``: only
tensors, containers and allowlisted globals. mmengine 0.10.7 writes numpy
arrays and scalars and its ``HistoryBuffer`` (the message hub's logs) into
every checkpoint (and MMagic's ``ReduceLR`` scheduler a whole
``MessageHub``), so ``load_from`` and ``--resume`` fail out of the box.

:func:`load_weights_only` loads inside ``torch.serialization.safe_globals``
with exactly those globals (plus any the user allowed with
:func:`allow_checkpoint_globals`), so weights-only loading stays on and
nothing is added to torch's process-wide allowlist. Importing
``sfvsr_plugin`` routes mmengine's local-file checkpoint loader (what
``load_from``, ``--resume`` and MMagic's own tools use) through it. A
checkpoint holding any other global is refused with
:class:`UnsafeCheckpointError`, which names the global (found with
``torch.serialization.get_unsafe_globals_in_checkpoint``) and how to allow
it.
"""
import importlib
import os.path as osp
import pickle
import types
from typing import List

import torch

#: Fully qualified names of the globals mmengine and MMagic write.
MMENGINE_CHECKPOINT_GLOBALS = (
    'numpy.core.multiarray._reconstruct',
    'numpy.core.multiarray.scalar',
    'numpy.ndarray',
    'numpy.dtype',
    'mmengine.logging.history_buffer.HistoryBuffer',
    # MMagic's ReduceLR scheduler (CAIN's and FLAVR's recipes) keeps a
    # MessageHub in its state dict: a plain object (no __setstate__ or
    # __reduce__), rebuilt from its attributes
    'mmengine.logging.message_hub.MessageHub',
)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled global that is not allowlisted."""


class CheckpointError(ValueError):
    """A checkpoint cannot be read, or its weights do not fit the model;
    the message names the file and what is wrong."""


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


#: Globals allowed by :func:`allow_checkpoint_globals`, on top of
#: mmengine's; only :func:`load_weights_only` uses them.
USER_ALLOWED_GLOBALS: List = []


def checkpoint_safe_globals() -> List:
    """The objects allowlisted while this module loads a checkpoint."""
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
    return safe + USER_ALLOWED_GLOBALS


def allow_checkpoint_globals(*names: str) -> None:
    """Allowlist more globals by name, for checkpoints you trust.

    Example: ``allow_checkpoint_globals('mypkg.module.MyClass')``. They are
    allowed in :func:`load_weights_only` (hence in mmengine's loading of
    local files) for the rest of the process, and nowhere else.
    """
    for name in names:
        obj = _import_name(name)
        if obj not in USER_ALLOWED_GLOBALS:
            USER_ALLOWED_GLOBALS.append(obj)


def _refused_getattr(err: BaseException):
    """The :class:`UnsafeCheckpointError` of ``_history_buffer_getattr``
    behind torch's re-raised error, if that is what stopped the load."""
    while err is not None:
        if isinstance(err, UnsafeCheckpointError):
            return err
        err = err.__context__
    return None


def load_weights_only(filename: str, map_location=None):
    """``torch.load(weights_only=True)`` with mmengine's globals allowed.

    Raises:
        FileNotFoundError: ``filename`` does not exist.
        CheckpointError: the file is truncated or corrupt.
        UnsafeCheckpointError: the file holds a global that is not
            allowlisted; the message names it and how to allow it.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found')
    with torch.serialization.safe_globals(checkpoint_safe_globals()):
        try:
            return torch.load(
                filename, map_location=map_location, weights_only=True)
        except (EOFError, OSError, RuntimeError) as err:
            # what torch.load raises on a truncated or corrupt zip file
            # (which one depends on where the file ends)
            if isinstance(err, RuntimeError) and \
                    'PytorchStreamReader' not in str(err):
                raise
            raise CheckpointError(
                f'checkpoint {filename}: not a readable PyTorch checkpoint '
                '(truncated or corrupt); save or download it again') from None
        except pickle.UnpicklingError as err:
            refused = _refused_getattr(err.__context__)
            if refused is not None:
                raise UnsafeCheckpointError(
                    f'refused to load checkpoint {filename}: {refused}'
                ) from None
            names = sorted(
                torch.serialization.get_unsafe_globals_in_checkpoint(filename))
            if not names:
                raise
    listed = ', '.join(f'`{n}`' for n in names)
    raise UnsafeCheckpointError(
        f'refused to load checkpoint {filename}: it holds the pickled '
        f'global(s) {listed}, which are not among the globals mmengine and '
        'MMagic write, and weights-only loading stays on so that a '
        'checkpoint cannot run code. If you trust this file, allow them '
        'before loading: `from sfvsr_plugin.checkpoint import '
        'allow_checkpoint_globals; allow_checkpoint_globals(' +
        ', '.join(f"'{n}'" for n in names) + ')`.')


def load_from_local(filename: str, map_location=None):
    """mmengine's local-file checkpoint loader, weights-only."""
    return load_weights_only(filename, map_location)


def register_weights_only_loading() -> None:
    """Route mmengine's local-file loading through :func:`load_weights_only`.

    Only the loader of plain paths changes (mmengine's ``CheckpointLoader``
    scheme ``''``); torch's process-wide allowlist is left alone.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local, force=True)


def _shape(t) -> str:
    return 'x'.join(map(str,
                        t.shape)) if torch.is_tensor(t) else type(t).__name__


def check_weights_fit(model: torch.nn.Module,
                      checkpoint,
                      filename: str,
                      most: int = 3) -> None:
    """Refuse weights that do not fit ``model``, naming the first mismatches.

    mmengine's runner loads ``load_from`` and ``--resume`` non-strictly: a
    checkpoint of another config would load partly and be tested or trained
    on silently. This loads a copy of ``model`` strictly (so the models' own
    converters of older layouts run) and, if that fails, raises one message
    with the first ``most`` keys that are missing, unexpected or of another
    shape, and the experiment the checkpoint was saved by.

    Args:
        model (nn.Module): The model the weights are for (an editor or a
            bare net; a DDP wrapper is looked through).
        checkpoint (dict): The loaded checkpoint (``state_dict`` inside, or
            the state dict itself).
        filename (str): The checkpoint's path, for the message.
        most (int): How many mismatching keys to name. Default: 3.

    Raises:
        CheckpointError: the weights do not fit.
    """
    import copy
    model = getattr(model, 'module', model)
    state = checkpoint.get('state_dict', checkpoint)
    state = {
        (k[len('module.'):] if k.startswith('module.') else k): v
        for k, v in state.items()
    }
    if not hasattr(model, 'generator'):  # editor weights, bare net
        state = {
            (k[len('generator.'):] if k.startswith('generator.') else k): v
            for k, v in state.items()
        }
    own = model.state_dict()
    probe = copy.deepcopy(model)
    try:
        probe.load_state_dict(state, strict=True)
        return
    except RuntimeError:
        pass
    missing, reshaped = [], []
    for key, value in own.items():
        if key not in state:
            missing.append(key)
        elif torch.is_tensor(value) and state[key].shape != value.shape:
            reshaped.append(f'{key} ({_shape(state[key])} in the file, '
                            f'{_shape(value)} in the model)')
    unexpected = [k for k in state if k not in own]
    parts = []
    for what, keys in (('of another shape', reshaped),
                       ('missing from the file', missing), ('not in the model',
                                                            unexpected)):
        if keys:
            more = f' and {len(keys) - most} more' if len(keys) > most else ''
            parts.append(f'{len(keys)} {what}: ' + ', '.join(keys[:most]) +
                         more)
    meta = checkpoint.get('meta') or {}
    origin = meta.get('experiment_name')
    written = f' (saved by experiment {origin})' if origin else ''
    n_file = sum(v.numel() for v in state.values() if torch.is_tensor(v))
    n_model = sum(v.numel() for v in own.values() if torch.is_tensor(v))
    raise CheckpointError(
        f'checkpoint {filename}{written} does not fit this config\'s model '
        f'({n_file:,} numbers in the file, {n_model:,} in the model; ' +
        '; '.join(parts or ['the keys differ']) +
        '): pass the config the checkpoint was trained with')
