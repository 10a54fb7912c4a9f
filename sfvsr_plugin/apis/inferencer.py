"""SFNet behind MMagic's inferencer interface.

:class:`SFVSRInferencer` is called as MMagic's ``VideoRestorationInferencer``
is (``inferencer(video=..., result_out_dir=...)``, options in
``extra_parameters``), so code written for MMagic's video inferencers runs
SFNet. Underneath it is :func:`.running.restore_video` on a lazy reader of
:mod:`.video_io`: frames are read, restored in segments and written as they
come, so memory does not grow with the length of the video.

It derives from mmengine's ``BaseInferencer`` (as MMagic's
``BaseMMagicInferencer`` does) and repeats the few lines of MMagic's
``extra_parameters`` handling: ``import mmagic.apis`` fails in the pinned
stack (its ControlNet inferencer imports ``controlnet_aux``, which needs
``mediapipe.solutions``, absent from the installed mediapipe).
"""
import copy
import os.path as osp
from typing import Dict, Iterator, List, NamedTuple, Optional, Union

import numpy as np
import torch
from mmengine.infer import BaseInferencer

from ..outputs import check_output
from .errors import read_config, require_config_keys
from .planning import check_segments
from .running import autocast_context, init_model, restore_video, set_capacity
from .video_io import is_video_path, open_reader, open_writer


class Restoration(NamedTuple):
    """What :meth:`SFVSRInferencer.forward` hands to ``visualize``: the open
    reader, the lazy stream of output frames and their frame rate."""
    reader: object
    frames: Iterator[np.ndarray]
    fps: float
    num_frames: Optional[int]


class SFVSRInferencer(BaseInferencer):
    """Inferencer of SFNet, with the call shape of MMagic's
    ``VideoRestorationInferencer``.

    Example::

        inferencer = SFVSRInferencer('configs/sfnet/CONFIG.py', 'sfnet.pth',
                                     extra_parameters=dict(capacity=8))
        inferencer(video='clip.mp4', result_out_dir='clip_x4.mp4')
        inferencer(video='frames/', result_out_dir='out_frames/',
                   extra_parameters=dict(segment_length=16))

    Args:
        config (str | Config): Config file or object (an ``SFVSR`` editor or
            a bare ``SFNet`` as ``model``).
        ckpt (str, optional): Checkpoint, loaded strictly and weights-only
            (:func:`.running.init_model`); None keeps random weights.
        device (str, optional): Default: cuda if available, else cpu.
        extra_parameters (dict, optional): Overrides of
            :attr:`extra_parameters`; a call may pass them too (they then
            stay, as in MMagic).

    Raises:
        FileNotFoundError: A missing config or checkpoint.
        ConfigError: A config that does not parse or has no ``model``.
        ValueError: An unknown key or a bad value in ``extra_parameters``.
    """

    preprocess_kwargs = {'video'}
    visualize_kwargs = {'result_out_dir'}

    #: Options and their defaults. ``segment_length`` (None: whole video in
    #: one pass), ``overlap``, ``tile``, ``tile_overlap``: see
    #: :func:`.running.restore_video`; ``capacity``: stored states one fetch
    #: reads (None: the config's, ``'all'``: the paper's); ``max_frames``,
    #: ``fps``: of the input (:func:`.video_io.open_reader`);
    #: ``start_idx``, ``filename_tmpl``: names of output frames in a folder
    #: (MMagic's keys); ``ensemble``: test-time ensemble (None: the
    #: config's ``model.ensemble``); ``precision``: 'fp32', 'fp16' (CUDA) or
    #: 'bf16' autocast; ``channels_last``: convolutions in the channels-last
    #: memory format; ``progress``: a summary line on stdout and a tqdm bar
    #: on stderr; ``overwrite``: replace an existing output file or write
    #: into a non-empty output folder (never into the input).
    extra_parameters = dict(
        segment_length=32,
        overlap=4,
        tile=None,
        tile_overlap=16,
        capacity=None,
        max_frames=None,
        fps=None,
        start_idx=0,
        filename_tmpl='{:08d}.png',
        ensemble=None,
        precision='fp32',
        channels_last=False,
        progress=False,
        overwrite=False)

    def __init__(self,
                 config,
                 ckpt: Optional[str],
                 device: Optional[str] = None,
                 extra_parameters: Optional[Dict] = None) -> None:
        # per instance: MMagic's inferencers update the class attribute
        self.extra_parameters = copy.deepcopy(type(self).extra_parameters)
        self._update_extra_parameters(extra_parameters)
        if isinstance(config, str):
            if not osp.isfile(config):
                # BaseInferencer would look the name up in metafiles instead
                raise FileNotFoundError(f'config file {config} not found')
            path, config = config, read_config(config)
            require_config_keys(config, path, ['model'], 'inference')
        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        self.device = device
        super().__init__(config, ckpt, device)

    def __call__(self,
                 video: str,
                 result_out_dir: str = '',
                 extra_parameters: Optional[Dict] = None):
        """Restore ``video`` into ``result_out_dir``.

        Args:
            video (str): A video file or a folder of frames.
            result_out_dir (str): A video file (by its extension) or a
                folder; empty: return the frames.
            extra_parameters (dict, optional): Updates of
                :attr:`extra_parameters`, kept for later calls (as MMagic).

        Returns:
            dict | np.ndarray: See :meth:`visualize`.

        Raises:
            OutputError: ``result_out_dir`` is, contains or lies inside
                ``video``, or exists (a file, a non-empty folder) without
                the ``overwrite`` parameter; checked before anything is
                read or computed.
        """
        self._update_extra_parameters(extra_parameters)
        self.check_output(video, result_out_dir)
        with torch.no_grad():
            reader = self.preprocess(video)
            preds = self.forward(reader)
            imgs = self.visualize(preds, result_out_dir)
            return self.postprocess(preds, imgs)

    def check_output(self, video: str, result_out_dir: str) -> None:
        """Refuse an output that would destroy ``video`` or an existing
        result (:func:`sfvsr_plugin.outputs.check_output`); nothing to
        check without ``result_out_dir``."""
        if result_out_dir:
            check_output(
                result_out_dir, [video],
                overwrite=self.extra_parameters['overwrite'],
                folder=not is_video_path(result_out_dir))

    def get_extra_parameters(self) -> List[str]:
        """The keys ``extra_parameters`` accepts (MMagic's method)."""
        return list(self.extra_parameters)

    def _update_extra_parameters(self,
                                 extra_parameters: Optional[Dict]) -> None:
        """Merge ``extra_parameters`` into the instance's. MMagic ignores
        unknown keys; a typo would then silently run with the default, so
        they are refused."""
        extra_parameters = extra_parameters or {}
        unknown = sorted(set(extra_parameters) - set(self.extra_parameters))
        if unknown:
            raise ValueError(
                f'unknown extra_parameters {unknown} of SFVSRInferencer; '
                f'known: {sorted(self.extra_parameters)}')
        capacity = self.extra_parameters['capacity']
        self.extra_parameters.update(extra_parameters)
        if self.extra_parameters['capacity'] != capacity and \
                hasattr(self, 'model'):
            set_capacity(self.model, self.extra_parameters['capacity'])

    def _init_model(self, cfg, ckpt: Optional[str], device) -> torch.nn.Module:
        return init_model(cfg, ckpt or None, device,
                          self.extra_parameters['capacity'])

    def _init_pipeline(self, cfg):
        """Frames come from :mod:`.video_io`, not a data pipeline."""
        return None

    def _init_collate(self, cfg):
        """Frames are batched by :func:`.running.restore_video`."""
        return None

    def _init_visualizer(self, cfg):
        """Output frames are written by :mod:`.video_io`."""
        return None

    @property
    def net(self) -> torch.nn.Module:
        """The generator (SFNet) of the model."""
        return getattr(self.model, 'generator', self.model)

    def preprocess(self, video: str):
        """Open ``video`` (a video file or a folder of frames) lazily.

        Returns:
            reader: From :func:`.video_io.open_reader`; its first frame is
            decoded, so unreadable input fails here.

        Raises:
            InputError: The input cannot be read (names the file).
            ValueError: Segment settings that cannot cover a video, or a
                precision the device cannot run.
        """
        params = self.extra_parameters
        autocast_context(params['precision'], self.device)
        check_segments(params['segment_length'], params['overlap'],
                       getattr(self.net, 'interpolate', True))
        return open_reader(video, params['fps'], params['max_frames'])

    def forward(self, reader) -> Restoration:
        """The output frames of ``reader``, restored lazily: nothing runs
        until ``visualize`` (or the caller) iterates them.

        Returns:
            Restoration: ``frames`` yields ``(s*h, s*w, 3)`` uint8 RGB arrays,
            2t-1 of them for t input frames (t without interpolation).
        """
        params = self.extra_parameters
        interpolate = getattr(self.net, 'interpolate', True)
        frames = restore_video(
            self.model,
            reader,
            segment_length=params['segment_length'],
            overlap=params['overlap'],
            tile=params['tile'],
            tile_overlap=params['tile_overlap'],
            device=self.device,
            ensemble=params['ensemble'],
            precision=params['precision'],
            channels_last=params['channels_last'])
        n = reader.num_frames
        if n is not None and interpolate:
            n = 2 * n - 1
        return Restoration(reader, frames,
                           reader.fps * (2 if interpolate else 1), n)

    def visualize(self,
                  preds: Restoration,
                  result_out_dir: str = '') -> Union[np.ndarray, Dict]:
        """Write the output frames to ``result_out_dir``, or collect them.

        Args:
            preds (Restoration): From :meth:`forward`.
            result_out_dir (str): A video file (by its extension, see
                :data:`.video_io.VIDEO_EXTENSIONS`) or a folder of frames
                named ``filename_tmpl.format(start_idx + i)``. Empty: the
                frames are returned instead.

        Returns:
            dict | np.ndarray: ``dict(result_out_dir, num_frames, fps)``
            after writing; without ``result_out_dir`` the frames
            ``(T, s*h, s*w, 3)`` uint8 RGB.
        """
        params = self.extra_parameters
        frames = preds.frames
        if params['progress']:
            from tqdm import tqdm
            print(self._describe(preds, result_out_dir), flush=True)
            frames = tqdm(
                frames,
                total=preds.num_frames,
                unit='frame',
                dynamic_ncols=True)
        with preds.reader:
            if not result_out_dir:
                return np.stack(list(frames))
            with open_writer(result_out_dir, preds.fps,
                             params['filename_tmpl'], params['start_idx'],
                             params['overwrite']) as writer:
                for frame in frames:
                    writer.write(frame)
        return dict(
            result_out_dir=result_out_dir,
            num_frames=writer.count,
            fps=preds.fps)

    def _describe(self, preds: Restoration, result_out_dir: str) -> str:
        """One line: what is read, what is written, how."""
        reader, params = preds.reader, self.extra_parameters
        scale = getattr(self.net, 'upscale_factor', 4)
        known = reader.num_frames is not None
        return (f'{reader.path}: {reader.num_frames if known else "?"} '
                f'frames of {reader.width}x{reader.height} at '
                f'{reader.fps:g} fps -> {result_out_dir or "memory"}: '
                f'{preds.num_frames if known else "?"} frames of '
                f'{scale * reader.width}x{scale * reader.height} at '
                f'{preds.fps:g} fps (device {self.device}, segments of '
                f'{params["segment_length"] or "all"} frames, overlap '
                f'{params["overlap"]}' +
                (', test-time ensemble' if params['ensemble'] else '') +
                (f', {params["precision"]} autocast'
                 if params['precision'] != 'fp32' else '') + ')')

    def postprocess(self, preds, imgs=None) -> Union[np.ndarray, Dict]:
        """What ``visualize`` returned (MMagic's video inferencer returns
        None here; a caller written for it may ignore this)."""
        return imgs
