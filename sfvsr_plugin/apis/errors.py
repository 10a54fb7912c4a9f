"""The errors the tools and the inference API raise for inputs they cannot
use, and the one place that turns them into one-line refusals."""
import contextlib
import sys


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
    try:
        return Config.fromfile(path)
    except (SyntaxError, ImportError, KeyError, NameError, TypeError,
            ValueError, FileNotFoundError) as err:
        reason = ' '.join(str(err).split()) or type(err).__name__
        raise ConfigError(f'config {path} cannot be read: {reason}: fix the '
                          'file or the base config it names') from None


@contextlib.contextmanager
def exit_on_user_error():
    """Run a tool's body; a refused input ends it with one line.

    The typed errors of bad inputs (missing or broken config, missing,
    truncated, unsafe or unfitting checkpoint, unusable video) become
    ``error: <message>`` on stderr and exit status 1, without a traceback;
    anything else is a bug and keeps its traceback.
    """
    import pickle

    from ..checkpoint import CheckpointError
    try:
        yield
    except (InputError, ConfigError, CheckpointError, FileNotFoundError,
            pickle.UnpicklingError) as err:
        sys.exit(f'error: {err}')
