"""The errors the tools and the inference API raise for inputs they cannot
use, and the one place that turns them into one-line refusals."""
import contextlib
import sys

from ..outputs import OutputError

__all__ = [
    'ConfigError', 'InputError', 'OutputError', 'exit_on_user_error',
    'read_config', 'require_config_keys'
]


class InputError(ValueError):
    """An input video or frame folder cannot be used; says which and why."""


class ConfigError(ValueError):
    """A config file is missing or cannot be parsed; says which and why."""


def read_config(path: str):
    """``Config.fromfile`` with a typed error for a missing or broken file.

    Raises:
        ConfigError: ``path`` does not exist or does not parse.
    """
    import os.path as osp

    from mmengine.config import Config
    if not osp.isfile(path):
        raise ConfigError(f'config {path} not found: pass the path of a '
                          'config file (e.g. configs/sfnet_vimeo.py)')
    from ..quiet import third_party_warnings_silenced
    try:
        with third_party_warnings_silenced():
            return Config.fromfile(path)
    except (SyntaxError, ImportError, KeyError, NameError, TypeError,
            ValueError, FileNotFoundError) as err:
        reason = ' '.join(str(err).split()) or type(err).__name__
        raise ConfigError(f'config {path} cannot be read: {reason}: fix the '
                          'file or the base config it names') from None


def require_config_keys(cfg, path: str, keys, purpose: str) -> None:
    """Refuse a config that lacks what a tool needs, naming it.

    Args:
        cfg (Config): The parsed config.
        path (str): Its file, for the message.
        keys (Sequence[str]): Top-level keys that must be set (not None).
        purpose (str): What needs them, e.g. ``'training'``.

    Raises:
        ConfigError: Some of ``keys`` are missing or None.
    """
    missing = [k for k in keys if cfg.get(k, None) is None]
    if missing:
        listed = ', '.join(repr(k) for k in missing)
        raise ConfigError(
            f'config {path} has no {listed}, which {purpose} needs: add '
            f'{"it" if len(missing) == 1 else "them"} or inherit a base '
            'config that has them (e.g. configs/sfnet/'
            'sfnet_4xb6-600k_vimeo90k-bi.py)')


@contextlib.contextmanager
def exit_on_user_error():
    """Run a tool's body; a refused input ends it with one line.

    The typed errors of bad inputs (missing or broken config, missing,
    truncated, unsafe or unfitting checkpoint, unusable video) and of
    outputs that would destroy an input or an existing result become
    ``error: <message>`` on stderr and exit status 1, without a traceback;
    anything else is a bug and keeps its traceback.
    """
    import pickle

    from ..checkpoint import CheckpointError
    try:
        yield
    except (InputError, OutputError, ConfigError, CheckpointError,
            FileNotFoundError, pickle.UnpicklingError) as err:
        sys.exit(f'error: {err}')
