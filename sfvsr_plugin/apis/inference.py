"""Run SFNet on whole videos in bounded memory.

A video is read lazily, cut into overlapping segments of input frames, each
segment restored in one forward pass (optionally in overlapping spatial
tiles), and the output frames are handed on as soon as they are final. Memory
therefore depends on the segment length, the frame size and the container
capacity, not on the length of the video.

Frames are ``(h, w, 3)`` uint8 RGB arrays everywhere in this module.
"""
import copy
import fractions
import os
import os.path as osp
import re
from typing import (Callable, Iterable, Iterator, List, NamedTuple, Optional,
                    Tuple, Union)

import numpy as np
import torch
from torch import nn

from ..datasets.base import IMG_EXTENSIONS

VIDEO_EXTENSIONS = ('.mp4', '.mkv', '.avi', '.mov', '.m4v', '.webm')
#: the datasets' list: one set of frame extensions in the package
IMAGE_EXTENSIONS = IMG_EXTENSIONS
#: Frame rate assumed for a folder of frames.
DEFAULT_FPS = 25.0


class InputError(ValueError):
    """An input video or frame folder cannot be used; says which and why."""


# --------------------------------------------------------------------------
# model


def init_model(config,
               checkpoint: Optional[str] = None,
               device: Union[str, torch.device] = 'cpu',
               capacity: Union[int, str, None] = None,
               cfg_options: Optional[dict] = None) -> nn.Module:
    """Build the model of a config and load its weights for inference.

    Args:
        config (str | Config): Config file or object. Its ``model`` is an
            ``SFVSR`` editor or a bare ``SFNet``.
        checkpoint (str, optional): Checkpoint path, loaded with mmengine's
            ``load_checkpoint`` (weights-only, see
            :mod:`sfvsr_plugin.checkpoint`), strictly. None keeps the random
            initialisation.
        device (str | torch.device): Where to run. Default: 'cpu'.
        capacity (int | str, optional): Container capacity, written to
            ``model.generator.container_capacity``: K > 0 reads the K nearest
            stored states per fetch, ``'all'`` (or 0) reads all of them (the
            paper). None keeps the config's setting.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The model in eval mode on ``device``.
    """
    from mmagic.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmengine.runner import load_checkpoint

    import sfvsr_plugin  # noqa: F401  (registers the components)

    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config} not found')
        config = Config.fromfile(config)
    else:
        config = copy.deepcopy(config)
    if cfg_options:
        config.merge_from_dict(cfg_options)
    model_cfg = config.model
    gen_cfg = model_cfg.generator if 'generator' in model_cfg else model_cfg
    if capacity is not None:
        if capacity in ('all', 'none', 'None', 0):
            capacity = None
        else:
            capacity = int(capacity)
            if capacity < 1:
                raise ValueError(
                    f"capacity must be >= 1 or 'all', got {capacity}")
        gen_cfg.container_capacity = capacity
    scope = config.get('default_scope', 'mmagic') or 'mmagic'
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg)
    if checkpoint is not None:
        if not osp.isfile(checkpoint):
            raise FileNotFoundError(f'checkpoint {checkpoint} not found')
        revise = [(r'^module\.', '')]
        if not hasattr(model, 'generator'):  # editor weights, bare SFNet
            revise.append((r'^generator\.', ''))
        load_checkpoint(
            model,
            checkpoint,
            map_location='cpu',
            strict=True,
            revise_keys=revise)
    model.cfg = config
    return model.to(device).eval()


def _net_and_scale(model: nn.Module):
    """The generator and the ``(mean, std)`` of its input normalisation.

    Returns:
        tuple: ``(net, mean, std)``; mean and std of shape ``(c, 1, 1)``,
        pixel values of 0..255 map to ``(x - mean) / std``.
    """
    net = getattr(model, 'generator', model)
    pre = getattr(model, 'data_preprocessor', None)
    mean = getattr(pre, 'mean', None)
    std = getattr(pre, 'std', None)
    if mean is None or std is None:
        mean, std = torch.zeros(3, 1, 1), torch.full((3, 1, 1), 255.)
    return net, mean.detach().float().cpu(), std.detach().float().cpu()


# --------------------------------------------------------------------------
# plans


class SegmentPlan(NamedTuple):
    """One segment: input frames ``[start, end)``; it emits the output frames
    ``[keep_start, keep_end)`` (indices of the whole output video)."""
    start: int
    end: int
    keep_start: int
    keep_end: int


def _output_range(start: int, end: int, interpolate: bool) -> Tuple[int, int]:
    """Output frames ``[a, b)`` a segment of input frames ``[start, end)``
    produces: ``[2 start, 2 end - 1)`` with interpolation."""
    if interpolate:
        return 2 * start, 2 * end - 1
    return start, end


def check_segments(segment_length: Optional[int], overlap: int,
                   interpolate: bool) -> None:
    """Raise ValueError unless the segment settings can cover a video."""
    if segment_length is None:
        return
    least = 1 if interpolate else 0
    if segment_length < 1 or not least <= overlap < segment_length:
        raise ValueError(
            f'need segment_length >= 1 and {least} <= overlap < '
            f'segment_length, got segment_length={segment_length}, '
            f'overlap={overlap}' +
            (' (consecutive segments must share a frame, or the frame '
             'inserted between them has no segment)' if interpolate else ''))


def _stream_segments(
        frames: Iterable,
        segment_length: Optional[int],
        overlap: int,
        interpolate: bool = True) -> Iterator[Tuple[SegmentPlan, list]]:
    """Cut a stream of frames into segments without knowing its length.

    Segments have ``segment_length`` frames (fewer only if the video is
    shorter) and start every ``segment_length - overlap`` frames; the last
    one is moved back to end at the last frame, so it keeps its full
    context. Each output frame is kept from the segment whose centre is
    nearest to it, which is the one where it lies farthest from the segment
    border (ties: the earlier segment).

    To know where the next segment starts, ``stride`` frames beyond the
    current segment are read ahead, so at most ``segment_length + stride``
    input frames are held.

    Yields:
        tuple: ``(SegmentPlan, frames of [start, end))``.
    """
    check_segments(segment_length, overlap, interpolate)
    it = iter(frames)
    buf: list = []  # frames [base, base + len(buf))
    base = 0
    exhausted = False

    def fill(stop):
        nonlocal exhausted
        while not exhausted and base + len(buf) < stop:
            try:
                buf.append(next(it))
            except StopIteration:
                exhausted = True

    if segment_length is None:  # one segment: the whole video
        fill(float('inf'))
        if buf:
            a, b = _output_range(0, len(buf), interpolate)
            yield SegmentPlan(0, len(buf), a, b), buf
        return
    stride = segment_length - overlap
    start, keep_start = 0, 0
    fill(segment_length)
    end = min(segment_length, len(buf))
    while end > start:
        fill(end + stride)  # read ahead: is there a next segment, how long?
        avail = base + len(buf)
        if avail <= end:
            nxt = None
        elif avail >= end + stride:
            nxt = start + stride
        else:  # the last segment, moved back to keep its full length
            nxt = avail - segment_length
        a, b = _output_range(start, end, interpolate)
        if nxt is None:
            keep_end = b
        else:
            a_next, _ = _output_range(nxt, nxt + segment_length, interpolate)
            # nearest centre: keep j here if b - 1 - j >= j - a_next
            keep_end = (b - 1 + a_next) // 2 + 1
        yield (SegmentPlan(start, end, keep_start,
                           keep_end), buf[start - base:end - base])
        if nxt is None:
            return
        del buf[:nxt - base]
        base = nxt
        start, end, keep_start = nxt, nxt + segment_length, keep_end


def iter_segments(num_frames: int,
                  segment_length: Optional[int],
                  overlap: int = 0,
                  interpolate: bool = True) -> Iterator[SegmentPlan]:
    """Plans of the segments :func:`restore_video` runs.

    Args:
        num_frames (int): Input frames of the video.
        segment_length (int, optional): Input frames per segment; None runs
            the whole video at once.
        overlap (int): Input frames shared by consecutive segments (context
            on both sides of a seam). With interpolation at least 1: the
            frame inserted between two segments needs both neighbours.
        interpolate (bool): Whether the model doubles the frame rate
            (``2t - 1`` outputs) or keeps it (``t``). Default: True.

    Yields:
        SegmentPlan: ``(start, end, keep_start, keep_end)``; the keep ranges
        partition the output frames ``[0, 2 num_frames - 1)``.
    """
    for plan, _ in _stream_segments(
            range(num_frames), segment_length, overlap, interpolate):
        yield plan


def iter_tiles(size: int,
               tile: Optional[int],
               overlap: int = 0) -> List[Tuple[int, int, int, int]]:
    """Overlapping tiles along one axis, same rule as the segments.

    Args:
        size (int): Length of the axis (LR pixels).
        tile (int, optional): Tile length; None or >= size gives one tile.
        overlap (int): Pixels shared by neighbouring tiles.

    Returns:
        list: ``(start, end, keep_start, keep_end)`` per tile, in LR pixels;
        the keep ranges partition ``[0, size)``.
    """
    if tile is None or tile >= size:
        return [(0, size, 0, size)]
    if tile < 1 or not 0 <= overlap < tile:
        raise ValueError(f'need tile >= 1 and 0 <= tile overlap < tile, got '
                         f'tile={tile}, overlap={overlap}')
    return list(iter_segments(size, tile, overlap, interpolate=False))


# --------------------------------------------------------------------------
# forward passes


def tiled_forward(net: Callable[[torch.Tensor], torch.Tensor],
                  lqs: torch.Tensor,
                  tile: Optional[int] = None,
                  tile_overlap: int = 0) -> torch.Tensor:
    """Run ``net`` on overlapping spatial tiles and stitch the outputs.

    Each output pixel is cropped from the tile where it lies farthest from
    the tile border (no blending), so the result is exact wherever the net's
    spatial receptive field is within ``tile_overlap / 2`` LR pixels. SFNet's
    distant fetch attends over the whole frame, so its tiled output differs
    slightly from the untiled one; a tile covering the frame is exact.

    Args:
        net (callable): ``(n, t, c, h, w) -> (n, T, c, s*h, s*w)``.
        lqs (Tensor): LR frames ``(n, t, c, h, w)``.
        tile (int, optional): Tile size in LR pixels (square); None runs the
            whole frame.
        tile_overlap (int): LR pixels shared by neighbouring tiles.

    Returns:
        Tensor: ``(n, T, c, s*h, s*w)``.
    """
    h, w = lqs.shape[-2:]
    rows, cols = iter_tiles(h, tile,
                            tile_overlap), iter_tiles(w, tile, tile_overlap)
    if len(rows) == 1 and len(cols) == 1:
        return net(lqs)
    out = None
    for y0, y1, ky0, ky1 in rows:
        for x0, x1, kx0, kx1 in cols:
            part = net(lqs[..., y0:y1, x0:x1])
            sy, sx = part.size(-2) // (y1 - y0), part.size(-1) // (x1 - x0)
            if out is None:
                out = part.new_empty(*part.shape[:-2], sy * h, sx * w)
            out[..., sy * ky0:sy * ky1,
                sx * kx0:sx * kx1] = part[..., sy * (ky0 - y0):sy * (ky1 - y0),
                                          sx * (kx0 - x0):sx * (kx1 - x0)]
    return out


def _to_tensor(frames: List[np.ndarray], mean: torch.Tensor,
               std: torch.Tensor) -> torch.Tensor:
    """``t`` frames ``(h, w, c)`` -> normalised ``(1, t, c, h, w)``."""
    x = torch.from_numpy(np.stack(frames)).permute(0, 3, 1, 2).float()
    return ((x - mean) / std).unsqueeze(0)


def _to_uint8(frame: torch.Tensor) -> np.ndarray:
    """``(c, H, W)`` float 0..255 -> ``(H, W, c)`` uint8."""
    return frame.clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).numpy()


def restore_video(
    model: nn.Module,
    frames: Iterable[np.ndarray],
    segment_length: Optional[int] = 32,
    overlap: int = 4,
    tile: Optional[int] = None,
    tile_overlap: int = 16,
    device: Union[str, torch.device, None] = None,
    as_uint8: bool = True,
    on_segment: Optional[Callable[[SegmentPlan], None]] = None
) -> Iterator[Union[np.ndarray, torch.Tensor]]:
    """Super-resolve a stream of frames, yielding output frames in order.

    Frames are pulled from ``frames`` only as segments need them, and every
    output frame is yielded as soon as its segment ran, so memory does not
    grow with the length of the video (see :func:`iter_segments`).

    Args:
        model (nn.Module): From :func:`init_model` (an editor or a bare
            SFNet).
        frames (iterable): ``(h, w, 3)`` uint8 RGB frames, all one size.
        segment_length (int, optional): Input frames per forward pass; None
            runs the whole video in one pass. Default: 32.
        overlap (int): Input frames shared by consecutive segments.
            Default: 4.
        tile (int, optional): Spatial tile size in LR pixels; None: whole
            frames. Default: None.
        tile_overlap (int): LR pixels shared by neighbouring tiles.
            Default: 16.
        device (str | torch.device, optional): Default: the model's.
        as_uint8 (bool): Yield ``(4h, 4w, 3)`` uint8 arrays; False yields
            float tensors ``(3, 4h, 4w)`` on the CPU, 0..255, unclamped.
        on_segment (callable, optional): Called with each plan before its
            segment runs.

    Yields:
        np.ndarray | Tensor: Output frames ``0 .. 2t - 2``.
    """
    net, mean, std = _net_and_scale(model)
    if device is None:
        param = next(net.parameters(), None)
        device = param.device if param is not None else 'cpu'
    interpolate = getattr(net, 'interpolate', True)
    for plan, seg in _stream_segments(frames, segment_length, overlap,
                                      interpolate):
        if on_segment is not None:
            on_segment(plan)
        shapes = sorted({tuple(f.shape) for f in seg})
        if len(shapes) > 1 or len(shapes[0]) != 3:
            raise InputError(
                f'input frames {plan.start}..{plan.end - 1} are not all '
                f'(h, w, c) arrays of one size: shapes {shapes}')
        lqs = _to_tensor(seg, mean, std).to(device)
        with torch.no_grad():
            out = tiled_forward(net, lqs, tile, tile_overlap)[0]
        del lqs
        first, _ = _output_range(plan.start, plan.end, interpolate)
        out = out[plan.keep_start - first:plan.keep_end - first]
        out = out.float().cpu() * std + mean
        for frame in out:
            yield _to_uint8(frame) if as_uint8 else frame
        del out


# --------------------------------------------------------------------------
# readers


def _natural_key(name: str):
    return [int(s) if s.isdigit() else s for s in re.split(r'(\d+)', name)]


class FolderReader:
    """Frames from a folder of images, in natural file-name order.

    Args:
        path (str): The folder.
        fps (float, optional): Frame rate to report. Default: 25.
        max_frames (int, optional): Read at most this many frames.

    Raises:
        InputError: No images in the folder, or (when iterating) a file
            that cannot be decoded or differs in size from the first.
    """

    def __init__(self,
                 path: str,
                 fps: Optional[float] = None,
                 max_frames: Optional[int] = None):
        self.path = path
        names = sorted((n for n in os.listdir(path)
                        if n.lower().endswith(IMAGE_EXTENSIONS)),
                       key=_natural_key)
        if not names:
            raise InputError(f'{path}: folder contains no image files '
                             f'({", ".join(e[1:] for e in IMAGE_EXTENSIONS)})')
        if max_frames is not None:
            names = names[:max_frames]
        self.files = [osp.join(path, n) for n in names]
        self.fps = float(fps or DEFAULT_FPS)
        self.num_frames = len(self.files)
        first = self._read(self.files[0])
        self.height, self.width = first.shape[:2]

    @staticmethod
    def _read(file: str) -> np.ndarray:
        import cv2
        img = cv2.imread(file, cv2.IMREAD_COLOR)
        if img is None:
            raise InputError(f'{file}: cannot decode this frame (corrupt, '
                             'truncated or not an image)')
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)

    def __iter__(self) -> Iterator[np.ndarray]:
        for file in self.files:
            img = self._read(file)
            if img.shape[:2] != (self.height, self.width):
                raise InputError(
                    f'{file}: frame is {img.shape[1]}x{img.shape[0]}, but '
                    f'the first frame {osp.basename(self.files[0])} is '
                    f'{self.width}x{self.height}; all frames must have one '
                    'size')
            yield img

    def close(self) -> None:
        pass


class VideoReader:
    """Frames of a video file, decoded lazily with PyAV.

    Args:
        path (str): The video.
        fps (float, optional): Override the container's frame rate.
        max_frames (int, optional): Read at most this many frames.

    Raises:
        InputError: Not a video, no video stream, no frames, or (when
            iterating) a frame that cannot be decoded.
    """

    def __init__(self,
                 path: str,
                 fps: Optional[float] = None,
                 max_frames: Optional[int] = None):
        import av
        self.path = path
        self.max_frames = max_frames
        try:
            self._container = av.open(path)
        except Exception as e:  # av raises many FFmpegError subclasses
            raise InputError(
                f'{path}: not a readable video file ({e})') from None
        streams = self._container.streams.video
        if not streams:
            self._container.close()
            raise InputError(f'{path}: the file has no video stream')
        stream = streams[0]
        stream.thread_type = 'AUTO'  # decode with frame threads
        rate = stream.average_rate or stream.guessed_rate
        self.fps = float(fps or (float(rate) if rate else DEFAULT_FPS))
        frames = stream.frames or None  # 0: unknown
        if frames is not None and max_frames is not None:
            frames = min(frames, max_frames)
        self.num_frames = frames
        self._frames = self._decode()
        try:
            self._first = next(self._frames)
        except StopIteration:
            self.close()
            raise InputError(f'{path}: the video has no frames') from None
        self.height, self.width = self._first.shape[:2]

    def _decode(self) -> Iterator[np.ndarray]:
        stream = self._container.streams.video[0]
        index = 0
        packets = self._container.decode(stream)
        while self.max_frames is None or index < self.max_frames:
            try:
                frame = next(packets)
            except StopIteration:
                return
            except Exception as e:
                raise InputError(f'{self.path}: cannot decode frame {index} '
                                 f'({e})') from None
            yield frame.to_ndarray(format='rgb24')
            index += 1

    def __iter__(self) -> Iterator[np.ndarray]:
        if self._first is None:
            raise RuntimeError('a VideoReader can be iterated only once')
        first, self._first = self._first, None
        yield first
        yield from self._frames

    def close(self) -> None:
        self._container.close()


def open_reader(
        path: str,
        fps: Optional[float] = None,
        max_frames: Optional[int] = None) -> Union[FolderReader, VideoReader]:
    """A reader for a video file or a folder of frames.

    The reader has ``fps``, ``num_frames`` (None when the container does not
    say), ``height``, ``width``, is iterated once for ``(h, w, 3)`` uint8
    RGB frames, and has ``close()``. Its first frame is decoded here, so
    unreadable input fails early.

    Raises:
        InputError: A missing path or unreadable input, naming the file.
    """
    if max_frames is not None and max_frames < 1:
        raise ValueError(f'max_frames must be >= 1, got {max_frames}')
    if not osp.exists(path):
        raise InputError(f'{path}: no such file or folder')
    if osp.isdir(path):
        return FolderReader(path, fps, max_frames)
    if path.lower().endswith(IMAGE_EXTENSIONS):
        raise InputError(f'{path}: is a single image; give a video file or '
                         'a folder of frames')
    return VideoReader(path, fps, max_frames)


# --------------------------------------------------------------------------
# writers


class FolderWriter:
    """Writes frames as ``%08d.png`` into a folder (created if needed)."""

    def __init__(self, path: str):
        if osp.exists(path) and not osp.isdir(path):
            raise ValueError(f'{path} exists and is not a folder')
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        import cv2
        file = osp.join(self.path, f'{self.count:08d}.png')
        if not cv2.imwrite(file, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
            raise OSError(f'cannot write {file}')
        self.count += 1

    def close(self) -> None:
        pass


class VideoWriter:
    """Encodes frames into a video file with PyAV as they come.

    H.264 (yuv420p, CRF 18) for mp4/mkv/mov/m4v, VP9 for webm, MPEG-4 part 2
    for avi.

    Args:
        path (str): Output file; its extension picks the codec.
        fps (float): Frame rate.
        crf (int): Quality of H.264/VP9 (lower is better). Default: 18.
    """
    CODECS = {'.avi': 'mpeg4', '.webm': 'libvpx-vp9'}

    def __init__(self, path: str, fps: float, crf: int = 18):
        import av
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        self.path = path
        self.fps = fractions.Fraction(fps).limit_denominator(1001)
        self.codec = self.CODECS.get(osp.splitext(path)[1].lower(), 'libx264')
        self.crf = crf
        self._container = av.open(path, mode='w')
        self._stream = None
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        import av
        if self._stream is None:
            h, w = frame.shape[:2]
            stream = self._container.add_stream(self.codec, rate=self.fps)
            stream.width, stream.height = w - w % 2, h - h % 2
            stream.pix_fmt = 'yuv420p'
            if self.codec in ('libx264', 'libvpx-vp9'):
                stream.options = {'crf': str(self.crf)}
            else:
                stream.bit_rate = 8 * w * h * float(self.fps) // 10
            self._stream = stream
        stream = self._stream
        frame = np.ascontiguousarray(frame[:stream.height, :stream.width])
        for packet in stream.encode(
                av.VideoFrame.from_ndarray(frame, format='rgb24')):
            self._container.mux(packet)
        self.count += 1

    def close(self) -> None:
        if self._stream is not None:
            for packet in self._stream.encode():
                self._container.mux(packet)
        self._container.close()


def open_writer(path: str, fps: float) -> Union[FolderWriter, VideoWriter]:
    """A video writer if ``path`` ends with a video extension
    (:data:`VIDEO_EXTENSIONS`), else a writer of ``%08d.png`` frames into
    the folder ``path``. Both have ``write(frame)`` and ``close()``."""
    if path.lower().endswith(VIDEO_EXTENSIONS):
        return VideoWriter(path, fps)
    return FolderWriter(path)
