"""Where a video is cut: segments of frames and tiles of pixels.

A video is cut into overlapping segments of input frames, each restored in
one forward pass; every output frame is kept from the segment where it lies
farthest from the border, so the kept ranges partition the output video.
Spatial tiles follow the same rule along each axis. Nothing here touches a
model or a file.
"""
from typing import Iterable, Iterator, List, NamedTuple, Optional, Tuple


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
    """Plans of the segments :func:`.running.restore_video` runs.

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
