"""Frames in and out: folders of images and video files.

Readers decode lazily and are iterated once for ``(h, w, 3)`` uint8 RGB
frames; writers take such frames one at a time. Both close on leaving a
``with`` block::

    with open_reader('clip.mp4') as reader, \
            open_writer('out.mp4', reader.fps) as writer:
        for frame in reader:
            writer.write(frame)
"""
import fractions
import os
import os.path as osp
import re
from typing import Iterator, Optional, Union

import numpy as np

from ..datasets.base import IMG_EXTENSIONS
from ..outputs import atomic_output, check_output, partial_path
from .errors import InputError

VIDEO_EXTENSIONS = ('.mp4', '.mkv', '.avi', '.mov', '.m4v', '.webm')
#: the datasets' list: one set of frame extensions in the package
IMAGE_EXTENSIONS = IMG_EXTENSIONS
#: Frame rate assumed for a folder of frames.
DEFAULT_FPS = 25.0


class _ClosedOnExit:
    """``with obj:`` calls ``obj.close()`` on leaving, also on an error."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def close(self) -> None:
        """Release what the object holds (nothing for a folder)."""

    def abort(self) -> None:
        """Release what the object holds after an error (a writer drops
        its unfinished file)."""
        self.close()


def _natural_key(name: str):
    return [int(s) if s.isdigit() else s for s in re.split(r'(\d+)', name)]


class FolderReader(_ClosedOnExit):
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
        # hidden files are skipped: unfinished frames of a writer
        names = sorted((
            n for n in os.listdir(path)
            if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith('.')),
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


class VideoReader(_ClosedOnExit):
    """Frames of a video file, decoded lazily with PyAV.

    Args:
        path (str): The video.
        fps (float, optional): Override the container's frame rate.
        max_frames (int, optional): Read at most this many frames.

    Raises:
        InputError: Not a video, no video stream, no frames, or (when
            iterating) a frame that cannot be decoded.
        ValueError: Iterating on after :meth:`close`.
    """

    def __init__(self,
                 path: str,
                 fps: Optional[float] = None,
                 max_frames: Optional[int] = None):
        import av
        self.path = path
        self.max_frames = max_frames
        self._closed = False
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
            if self._closed:  # PyAV crashes the process on a closed file
                raise ValueError(f'{self.path}: the reader is closed')
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
        """Close the file; iterating on raises ValueError."""
        self._closed = True
        self._container.close()


def open_reader(
        path: str,
        fps: Optional[float] = None,
        max_frames: Optional[int] = None) -> Union[FolderReader, VideoReader]:
    """A reader for a video file or a folder of frames.

    The reader has ``fps``, ``num_frames`` (None when the container does not
    say), ``height``, ``width``, is iterated once for ``(h, w, 3)`` uint8
    RGB frames, and has ``close()``; ``with open_reader(path) as reader:``
    closes it on leaving. Its first frame is decoded here, so unreadable
    input fails early.

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


class FolderWriter(_ClosedOnExit):
    """Writes frames as images into a folder (created if needed).

    Each frame is written under a hidden temporary name and renamed when
    complete, so a frame file under its final name is never truncated.

    Args:
        path (str): The folder.
        filename_tmpl (str): Name of frame ``i``:
            ``filename_tmpl.format(start_idx + i)`` (MMagic's keys); its
            extension picks the format. Default: ``'{:08d}.png'``.
        start_idx (int): Number of the first frame. Default: 0.
        overwrite (bool): Write into a folder that is not empty. Default:
            False.

    Raises:
        OutputError: ``path`` is a file, or a non-empty folder without
            ``overwrite`` (:func:`sfvsr_plugin.outputs.check_output`).
    """

    def __init__(self,
                 path: str,
                 filename_tmpl: str = '{:08d}.png',
                 start_idx: int = 0,
                 overwrite: bool = False):
        check_output(path, overwrite=overwrite, folder=True)
        if not filename_tmpl.format(0).lower().endswith(IMAGE_EXTENSIONS):
            raise ValueError(
                f'filename_tmpl {filename_tmpl!r} must end with an image '
                f'extension ({", ".join(IMAGE_EXTENSIONS)})')
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.filename_tmpl = filename_tmpl
        self.start_idx = start_idx
        self.count = 0

    def write(self, frame: np.ndarray) -> None:
        import cv2
        file = osp.join(self.path,
                        self.filename_tmpl.format(self.start_idx + self.count))
        with atomic_output(file) as tmp:
            if not cv2.imwrite(tmp, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR)):
                raise OSError(f'cannot write {file}')
        self.count += 1


class VideoWriter(_ClosedOnExit):
    """Encodes frames into a video file with PyAV as they come.

    H.264 (yuv420p, CRF 18) for mp4/mkv/mov/m4v, VP9 for webm, MPEG-4 part 2
    for avi. The file is written under a hidden temporary name
    (:func:`sfvsr_plugin.outputs.partial_path`) and renamed to ``path`` by
    :meth:`close`; leaving a ``with`` block on an error removes it instead,
    so a file under ``path`` is always complete.

    Args:
        path (str): Output file; its extension picks the codec.
        fps (float): Frame rate.
        crf (int): Quality of H.264/VP9 (lower is better). Default: 18.
        overwrite (bool): Replace an existing ``path`` (when the new file
            is complete). Default: False.

    Raises:
        OutputError: ``path`` exists (without ``overwrite``) or is a folder.
    """
    CODECS = {'.avi': 'mpeg4', '.webm': 'libvpx-vp9'}

    def __init__(self,
                 path: str,
                 fps: float,
                 crf: int = 18,
                 overwrite: bool = False):
        import av
        check_output(path, overwrite=overwrite)
        folder = osp.dirname(osp.abspath(path))
        os.makedirs(folder, exist_ok=True)
        self.path = path
        self.fps = fractions.Fraction(fps).limit_denominator(1001)
        self.codec = self.CODECS.get(osp.splitext(path)[1].lower(), 'libx264')
        self.crf = crf
        self._partial = partial_path(path)
        self._container = av.open(self._partial, mode='w')
        self._stream = None
        self._closed = False
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
        """Flush the encoder, close the file and give it its final name;
        later calls do nothing. Without frames no file is written."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._stream is not None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
        except BaseException:
            self._remove_partial()
            raise
        if self._stream is None:
            self._remove_partial()
        else:
            os.replace(self._partial, self.path)

    def abort(self) -> None:
        """Close and remove the unfinished file; ``path`` is untouched."""
        if self._closed:
            return
        self._closed = True
        try:
            self._container.close()
        finally:
            self._remove_partial()

    def _remove_partial(self) -> None:
        if osp.exists(self._partial):
            os.remove(self._partial)


def is_video_path(path: str) -> bool:
    """Whether ``path`` names a video file (:data:`VIDEO_EXTENSIONS`) rather
    than a folder of frames."""
    return path.lower().endswith(VIDEO_EXTENSIONS)


def open_writer(path: str,
                fps: float,
                filename_tmpl: str = '{:08d}.png',
                start_idx: int = 0,
                overwrite: bool = False) -> Union[FolderWriter, VideoWriter]:
    """A video writer if ``path`` ends with a video extension
    (:data:`VIDEO_EXTENSIONS`), else a writer of frames named
    ``filename_tmpl.format(start_idx + i)`` into the folder ``path``. Both
    have ``write(frame)`` and ``close()`` and close on leaving a ``with``
    block (dropping an unfinished video file on an error).

    Raises:
        OutputError: An existing output file or non-empty folder without
            ``overwrite``, or a path of the wrong kind.
    """
    if is_video_path(path):
        return VideoWriter(path, fps, overwrite=overwrite)
    return FolderWriter(path, filename_tmpl, start_idx, overwrite=overwrite)
