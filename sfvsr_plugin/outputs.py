"""Outputs that never destroy an input or an existing result.

Every tool that writes (inference, the dataset converters, the ONNX export)
checks its output here before it computes anything, and writes each file
under a temporary name that is renamed to the final one only when the file
is complete:

- an output that is an input, lies inside an input folder or contains an
  input is refused, ``--overwrite`` or not (paths are resolved, symbolic
  links followed, hard links compared by inode);
- an existing output file, or an output folder that is not empty, is refused
  unless ``overwrite=True``; even then the old file stays until the new one
  is complete.

Imports nothing heavy: the datasets, the APIs and the tools use it.
"""
import contextlib
import os
import os.path as osp
from typing import Iterable, Iterator, Union

PathLike = Union[str, 'os.PathLike[str]']


class OutputError(ValueError):
    """An output path would overwrite an input or an existing result; says
    which and how to fix it."""


def _inside(path: str, folder: str) -> bool:
    """Whether resolved ``path`` lies strictly inside resolved ``folder``."""
    return path != folder and osp.commonpath([path, folder]) == folder


def _same(a: str, b: str) -> bool:
    try:
        return osp.samefile(a, b)  # hard links too
    except OSError:
        return False


def check_output(output: PathLike,
                 inputs: Iterable[PathLike] = (),
                 overwrite: bool = False,
                 folder: bool = False,
                 option: str = '--overwrite') -> None:
    """Refuse an output that would destroy an input or an existing result.

    Args:
        output (str): The file or folder to be written.
        inputs (iterable of str): Files or folders that are read; missing
            ones are ignored.
        overwrite (bool): Allow replacing an existing output file or
            writing into a non-empty output folder.
        folder (bool): ``output`` is a folder (of frames, of an LR tree),
            not a file.
        option (str): How the caller's user allows overwriting, named in
            the message. Default: ``'--overwrite'``.

    Raises:
        OutputError: The output is, contains or lies inside an input; it
            exists as the wrong kind (a file for a folder or the reverse);
            or it exists (a file, a non-empty folder) without ``overwrite``.
    """
    output = os.fspath(output)
    real_out = osp.realpath(output)
    what = 'output folder' if folder else 'output'
    for given in inputs:
        given = os.fspath(given)
        if not osp.exists(given):
            continue
        real_in = osp.realpath(given)
        if real_out == real_in or _same(output, given):
            raise OutputError(
                f'{what} {output} is the input {given}: writing it would '
                'destroy the input; give another output path')
        if osp.isdir(real_in) and _inside(real_out, real_in):
            raise OutputError(
                f'{what} {output} lies inside the input folder {given}: '
                'the results would mix with the input; give an output '
                'outside it')
        if _inside(real_in, real_out):
            raise OutputError(
                f'{what} {output} contains the input {given}: writing there '
                'could replace the input; give an output outside it')
    if not osp.exists(output):
        return
    if folder and not osp.isdir(output):
        raise OutputError(f'{what} {output} exists and is a file, not a '
                          'folder: give a folder path')
    if not folder and osp.isdir(output):
        raise OutputError(f'{what} {output} is a folder: give a file path')
    if overwrite:
        return
    if not folder:
        raise OutputError(f'{what} {output} already exists: pass {option} '
                          'to replace it, or give another path')
    if os.listdir(output):
        raise OutputError(f'{what} {output} is not empty: pass {option} to '
                          'write into it, or give an empty or new folder')


def partial_path(path: PathLike) -> str:
    """The temporary name ``path`` is written under until it is complete:
    a hidden file in the same folder, ``.partial`` before the same extension
    (writers that pick the format by the extension still do; frame readers
    skip hidden files)."""
    folder, name = osp.split(os.fspath(path))
    stem, ext = osp.splitext(name)
    return osp.join(folder, f'.{stem}.partial{ext}')


@contextlib.contextmanager
def atomic_output(path: PathLike) -> Iterator[str]:
    """Write a file under a temporary name; rename it to ``path`` when the
    ``with`` block ends without an error, remove it otherwise.

    Example::

        with atomic_output('out.onnx') as tmp:
            torch.onnx.export(net, args, tmp)

    The rename is atomic on one file system: ``path`` is either the old file
    (or absent) or the complete new one, never a truncated one.

    Yields:
        str: The temporary path to write (:func:`partial_path`).
    """
    path = os.fspath(path)
    tmp = partial_path(path)
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    os.replace(tmp, path)
