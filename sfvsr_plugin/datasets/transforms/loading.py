"""Loading of clip frames with clear errors on bad files and LMDB keys."""
import os.path as osp
from typing import Optional

import mmcv
import numpy as np
from mmagic.datasets.transforms import LoadImageFromFile
from mmagic.registry import TRANSFORMS
from mmengine.fileio import get_file_backend

PNG_END = b'IEND\xaeB`\x82'


@TRANSFORMS.register_module()
class LoadClipFrames(LoadImageFromFile):
    """MMagic's ``LoadImageFromFile`` that names the bad file on failure.

    Differences from the parent:

    - a missing frame, an undecodable image or a truncated PNG (no ``IEND``
      chunk) raises ``FileNotFoundError`` / ``ValueError`` naming the file
      and the clip instead of returning ``None`` or failing later;
    - with an LMDB backend the path *is* the LMDB key (e.g.
      ``00001/0266/im1``; the parent keeps only the basename ``im1``, which
      collides across clips). The datasets write such keys and put the
      backend of each key in ``results[f'{key}_backend_args']``, which
      overrides ``backend_args`` here, so GT and LR can live in two LMDBs.

    Args:
        key (str): Key of the frames; paths are read from ``{key}_path``
            (a list of paths gives a list of frames, each ``(h, w, c)``).
        cache_decoded (bool): Keep every decoded frame in memory (per
            process) and hand out copies: a small dataset read many times
            (the demo's) is decoded once. Default: False.
        **kwargs: Arguments of ``LoadImageFromFile`` (``channel_order``,
            ``to_float32``, ``backend_args``, ...).
    """

    def __init__(self, key: str, cache_decoded: bool = False, **kwargs):
        super().__init__(key=key, **kwargs)
        self.cache_decoded = cache_decoded
        self._decoded = {}
        self._backends = {}
        self._clip = '?'
        self._sample_backend_args: Optional[dict] = None

    def transform(self, results: dict) -> dict:
        """Load the frames of ``results[f'{key}_path']``.

        Args:
            results (dict): With ``{key}_path`` (str or list of str).

        Returns:
            dict: ``results`` with ``key`` set to an image ``(h, w, c)`` or
            a list of them.
        """
        if results.get(f'{self.key}_path') is None:
            raise KeyError(f"clip {results.get('key', '?')} has no "
                           f'{self.key}_path to load')
        self._clip = results.get('key', '?')
        self._sample_backend_args = results.get(f'{self.key}_backend_args')
        return super().transform(results)

    def _backend(self, filename: str):
        args = self._sample_backend_args or self.backend_args
        name = repr(sorted(args.items())) if args else None
        if name not in self._backends:
            self._backends[name] = get_file_backend(
                uri=filename, backend_args=args)
        return self._backends[name], args

    def _load_image(self, filename: str) -> np.ndarray:
        if self.cache_decoded:
            # copies: later transforms (Flip) work in place
            if filename not in self._decoded:
                self._decoded[filename] = self._decode(filename)
            return self._decoded[filename].copy()
        return self._decode(filename)

    def _decode(self, filename: str) -> np.ndarray:
        backend, args = self._backend(filename)
        where = f'{filename!r} of clip {self._clip}'
        is_lmdb = args is not None and args.get('backend') == 'lmdb'
        if is_lmdb:
            where = (f"LMDB key {filename!r} in {args.get('db_path')} of "
                     f'clip {self._clip}')
        try:
            img_bytes = self.cache.get(filename) or backend.get(filename)
        except (FileNotFoundError, OSError) as err:
            raise FileNotFoundError(f'missing frame {where}: {err}') from err
        if img_bytes is None:  # an LMDB key that is not there
            raise FileNotFoundError(f'missing frame {where}')
        if self.use_cache:
            self.cache[filename] = img_bytes
        is_png = img_bytes[:8] == b'\x89PNG\r\n\x1a\n' or \
            osp.splitext(filename)[1].lower() == '.png'
        if is_png and not img_bytes.rstrip(b'\x00').endswith(PNG_END):
            raise ValueError(
                f'truncated or unreadable PNG {where}: it does not end with '
                'an IEND chunk')
        img = mmcv.imfrombytes(
            content=img_bytes,
            flag=self.color_type,
            channel_order=self.channel_order,
            backend=self.imdecode_backend)
        if img is None:
            raise ValueError(f'cannot decode image {where}: unreadable or '
                             'truncated file')
        return img
