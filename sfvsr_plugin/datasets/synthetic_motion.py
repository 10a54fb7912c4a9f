"""Synthetic clips whose motion is known: still photos moved by known warps.

What it is for: checking that a net learns to place the inserted (middle)
frame between its neighbours. Real clips mix every kind of motion with
noise, blur and cuts; here every clip is one natural still image (from
scikit-image's bundled ``skimage/data`` photos) moved by one known motion
-- a constant translation, a zoom, a rotation, or a foreground patch
sliding over a moving background (occlusion) -- so the inserted frames
have an exact ground truth and their error can be read per kind and speed
of motion. The HR frames are rendered at the GT size and the LR frames
made from them exactly as the other datasets make them
(:func:`matlab_downsample`, MATLAB-like bicubic).

Public names: :func:`render_motion_clip` (one clip from one image),
:func:`draw_motion_params`, :func:`load_source_image`, the image lists
:data:`TRAIN_IMAGES` / :data:`HELD_OUT_IMAGES` (disjoint) and the
registered :class:`SyntheticMotionDataset`.
"""
import functools
import importlib.util
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmagic.registry import DATASETS
from mmengine.dataset import BaseDataset

from .transforms.resize import matlab_downsample

#: The motions :func:`render_motion_clip` renders.
MOTIONS = ('translate', 'zoom', 'rotate', 'occlusion')

#: Source images by name: the photos bundled with scikit-image
#: (``skimage/data``), no download needed. Grey ones become RGB.
IMAGE_FILES = dict(
    astronaut='astronaut.png',
    brick='brick.png',
    camera='camera.png',
    cell='cell.png',
    chelsea='chelsea.png',
    coffee='coffee.png',
    coins='coins.png',
    color='color.png',
    grass='grass.png',
    gravel='gravel.png',
    hubble_deep_field='hubble_deep_field.jpg',
    ihc='ihc.png',
    logo='logo.png',
    moon='moon.png',
    motorcycle_left='motorcycle_left.png',
    page='page.png',
    retina='retina.jpg',
    rocket='rocket.jpg',
    text='text.png')
#: ``skimage.data`` function names accepted for the file names above.
IMAGE_ALIASES = dict(immunohistochemistry='ihc', colorwheel='color')

#: Default training images: the colour photos and the textured grey ones.
TRAIN_IMAGES = ('astronaut', 'coffee', 'rocket', 'hubble_deep_field', 'ihc',
                'motorcycle_left', 'logo', 'grass', 'gravel', 'brick', 'text')
#: Default held-out images (``test_mode=True``): other photos, none of
#: :data:`TRAIN_IMAGES`. ``color`` and ``cell`` (mostly smooth) are in
#: neither list but can be named.
HELD_OUT_IMAGES = ('chelsea', 'retina', 'camera', 'coins', 'page', 'moon')

#: Speed (HR px per frame) below which motion is sub-pixel in the LR frames
#: at scale 4: translations draw below and above it equally often.
SUBPIXEL_SPEED = 4.0
#: Ranges of the per-frame zoom factor and rotation (degrees); values
#: closer to 1 / 0 than the minimum are not drawn.
ZOOM_RANGE = (0.97, 1.03)
MIN_ZOOM_STEP = 0.005
ROTATION_RANGE = 2.0
MIN_ROTATION = 0.5
#: Extra source pixels around the warped frame: the support of the cubic
#: kernel (2 px) plus rounding, so no frame reads the border.
_MARGIN = 3
#: Random crop positions tried per source; the most textured one is kept.
_NUM_CANDIDATES = 4

#: Keys :func:`render_motion_clip` accepts in ``params``, per motion.
PARAM_KEYS = dict(
    translate=('velocity', 'origin'),
    zoom=('zoom', 'center', 'origin'),
    rotate=('angle', 'center', 'origin'),
    occlusion=('velocity', 'background_velocity', 'fg_size', 'fg_shape',
               'fg_center', 'fg_origin', 'origin'))


def _skimage_data_dir() -> str:
    spec = importlib.util.find_spec('skimage')
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            'the synthetic-motion clips need the photos of scikit-image: '
            'pip install scikit-image==0.24.0 (requirements/runtime.txt)')
    return osp.join(list(spec.submodule_search_locations)[0], 'data')


def resolve_image_name(name: str) -> str:
    """The :data:`IMAGE_FILES` name of ``name`` (aliases resolved).

    Raises:
        ValueError: ``name`` is not a known image.
    """
    resolved = IMAGE_ALIASES.get(name, name)
    if resolved not in IMAGE_FILES:
        raise ValueError(
            f'unknown image {name!r}: choose from {sorted(IMAGE_FILES)}')
    return resolved


@functools.lru_cache(maxsize=None)
def load_source_image(name: str) -> np.ndarray:
    """A bundled scikit-image photo as RGB, decoded once per process.

    Args:
        name (str): A key of :data:`IMAGE_FILES` (or an alias).

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8 RGB, read-only (it is shared).
    """
    from PIL import Image
    path = osp.join(_skimage_data_dir(), IMAGE_FILES[resolve_image_name(name)])
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'image {name!r}: {path} does not exist (scikit-image '
            'incomplete? reinstall scikit-image==0.24.0)')
    with Image.open(path) as im:
        img = np.array(im.convert('RGB'), dtype=np.uint8)
    img.setflags(write=False)
    return img


def _speed(rng: np.random.Generator,
           max_shift: float,
           minimum: float = 0.0) -> float:
    """Half the draws below :data:`SUBPIXEL_SPEED`, half above (up to
    ``max_shift``); all in ``[minimum, max_shift]``."""
    split = min(SUBPIXEL_SPEED, max_shift)
    if rng.random() < 0.5 or split >= max_shift:
        return float(rng.uniform(min(minimum, split), split))
    return float(rng.uniform(split, max_shift))


def _direction(rng: np.random.Generator, speed: float) -> Tuple[float, ...]:
    angle = rng.uniform(0, 2 * math.pi)
    return (speed * math.cos(angle), speed * math.sin(angle))


def draw_motion_params(motion: str,
                       rng: np.random.Generator,
                       gt_size: Tuple[int, int] = (64, 64),
                       max_shift: float = 12) -> dict:
    """Draw the numbers of one motion (not the crop positions).

    - ``'translate'``: ``velocity`` ``(vx, vy)`` in HR px per frame, speed
      below :data:`SUBPIXEL_SPEED` (one LR pixel at x4) or in
      ``[4, max_shift]`` equally often, direction uniform.
    - ``'zoom'``: ``zoom``, the scale factor per frame, in
      :data:`ZOOM_RANGE` at least :data:`MIN_ZOOM_STEP` away from 1, about
      ``center`` ``(x, y)`` (middle-frame pixels, uniform in the frame).
    - ``'rotate'``: ``angle`` per frame in degrees (counter-clockwise on
      screen, OpenCV's convention), ``MIN_ROTATION <= |angle| <=
      ROTATION_RANGE``, about ``center``.
    - ``'occlusion'``: the foreground's ``velocity`` (speed at least 1 HR
      px, drawn as a translation's), the background's
      ``background_velocity`` (zero one time in three, else slower than
      half the foreground's), ``fg_size`` ``(h, w)`` each 1/4 to 1/2 of
      the frame's, ``fg_shape`` ``'rectangle'`` or ``'ellipse'``, and
      ``fg_center`` ``(x, y)`` where the whole patch shows in the middle
      frame.

    Args:
        motion (str): One of :data:`MOTIONS`.
        rng (np.random.Generator): The clip's generator.
        gt_size (tuple[int]): Frame ``(h, w)``. Default: ``(64, 64)``.
        max_shift (float): Largest speed in HR px per frame. Default: 12.

    Returns:
        dict: The drawn numbers (Python floats, tuples).
    """
    h, w = gt_size
    if motion == 'translate':
        return dict(velocity=_direction(rng, _speed(rng, max_shift)))
    if motion == 'zoom':
        step = rng.uniform(MIN_ZOOM_STEP, ZOOM_RANGE[1] - 1)
        sign = 1 if rng.random() < 0.5 else -1
        zoom = float(np.clip(1 + sign * step, *ZOOM_RANGE))
        center = (float(rng.uniform(0, w - 1)), float(rng.uniform(0, h - 1)))
        return dict(zoom=zoom, center=center)
    if motion == 'rotate':
        sign = 1 if rng.random() < 0.5 else -1
        angle = sign * float(rng.uniform(MIN_ROTATION, ROTATION_RANGE))
        center = (float(rng.uniform(0, w - 1)), float(rng.uniform(0, h - 1)))
        return dict(angle=angle, center=center)
    if motion == 'occlusion':
        fg_speed = _speed(rng, max_shift, minimum=min(1.0, max_shift))
        velocity = _direction(rng, fg_speed)
        if rng.random() < 1 / 3:
            background = (0.0, 0.0)
        else:
            background = _direction(rng, float(rng.uniform(0, fg_speed / 2)))
        fg_size = (int(rng.integers(h // 4, h // 2 + 1)),
                   int(rng.integers(w // 4, w // 2 + 1)))
        fg_shape = 'ellipse' if rng.random() < 0.5 else 'rectangle'
        fg_center = (float(rng.uniform(fg_size[1] / 2, w - fg_size[1] / 2)),
                     float(rng.uniform(fg_size[0] / 2, h - fg_size[0] / 2)))
        return dict(
            velocity=velocity,
            background_velocity=background,
            fg_size=fg_size,
            fg_shape=fg_shape,
            fg_center=fg_center)
    raise ValueError(f'unknown motion {motion!r}: choose from {MOTIONS}')


def _forward(motion: str,
             params: dict,
             t: float,
             velocity_key: str = 'velocity') -> np.ndarray:
    """``(2, 3)`` map from middle-frame to frame-``t`` pixel coordinates."""
    if motion in ('translate', 'occlusion'):
        vx, vy = params[velocity_key]
        return np.array([[1, 0, vx * t], [0, 1, vy * t]], np.float64)
    if motion == 'zoom':
        return cv2.getRotationMatrix2D(
            tuple(params['center']), 0.0, params['zoom']**t)
    return cv2.getRotationMatrix2D(
        tuple(params['center']), params['angle'] * t, 1.0)


def _needed_box(maps: Sequence[np.ndarray], size: Tuple[int, int],
                margin: float) -> Tuple[float, float, float, float]:
    """Middle-frame coordinates ``(x0, y0, x1, y1)`` that the frames of the
    forward ``maps`` read, ``margin`` px beyond their borders included."""
    h, w = size
    corners = np.array([[-0.5 - margin, -0.5 - margin, 1],
                        [w - 0.5 + margin, -0.5 - margin, 1],
                        [-0.5 - margin, h - 0.5 + margin, 1],
                        [w - 0.5 + margin, h - 0.5 + margin, 1]])
    pts = []
    for m in maps:
        inv = cv2.invertAffineTransform(m)
        pts.append(corners @ inv.T)
    pts = np.concatenate(pts)
    return (pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max())


def _fit_source(image: np.ndarray, box) -> Tuple[np.ndarray, float]:
    """``image``, resized up if the frames need more than it has."""
    x0, y0, x1, y1 = box
    H, W = image.shape[:2]
    factor = max(1.0, (x1 - x0 + 2) / (W - 1), (y1 - y0 + 2) / (H - 1))
    if factor == 1.0:
        return image, 1.0
    size = (math.ceil(W * factor), math.ceil(H * factor))
    big = cv2.resize(image, size, interpolation=cv2.INTER_CUBIC)
    return big, size[0] / W


def _place(image: np.ndarray, box, size: Tuple[int, int],
           rng: np.random.Generator) -> Tuple[int, int]:
    """Integer top-left ``(x, y)`` of the middle frame in ``image`` such
    that ``box`` stays inside it; the most textured of a few draws."""
    H, W = image.shape[:2]
    x0, y0, x1, y1 = box
    lo = (math.ceil(-x0), math.ceil(-y0))
    hi = (math.floor(W - 1 - x1), math.floor(H - 1 - y1))
    best, best_score = None, -1.0
    for _ in range(_NUM_CANDIDATES):
        ox = int(rng.integers(lo[0], hi[0] + 1))
        oy = int(rng.integers(lo[1], hi[1] + 1))
        window = image[oy:oy + size[0], ox:ox + size[1]]
        score = float(window.std())
        if score > best_score:
            best, best_score = (ox, oy), score
    return best


def _check_origin(origin, image: np.ndarray, box, what: str) -> None:
    H, W = image.shape[:2]
    ox, oy = origin
    x0, y0, x1, y1 = box
    if ox + x0 < 0 or oy + y0 < 0 or ox + x1 > W - 1 or oy + y1 > H - 1:
        raise ValueError(
            f'{what}={tuple(origin)} puts the frames outside the '
            f'{W}x{H} (w x h) source: x must be in '
            f'[{math.ceil(-x0)}, {math.floor(W - 1 - x1)}] and y in '
            f'[{math.ceil(-y0)}, {math.floor(H - 1 - y1)}]')


def _warp_frames(image: np.ndarray, maps: Sequence[np.ndarray],
                 origin: Tuple[int, int], box,
                 size: Tuple[int, int]) -> List[np.ndarray]:
    """Warp the source region ``box`` (around ``origin``) by each map."""
    ox, oy = origin
    x0, y0, x1, y1 = box
    cx0, cy0 = int(math.floor(ox + x0)), int(math.floor(oy + y0))
    cx1, cy1 = int(math.ceil(ox + x1)), int(math.ceil(oy + y1))
    crop = image[cy0:cy1 + 1, cx0:cx1 + 1].astype(np.float32)
    shift = np.array([[1, 0, cx0 - ox], [0, 1, cy0 - oy], [0, 0, 1]],
                     np.float64)
    frames = []
    for m in maps:
        frames.append(
            cv2.warpAffine(
                crop, (m @ shift), (size[1], size[0]),
                flags=cv2.INTER_CUBIC,
                borderMode=cv2.BORDER_REFLECT_101))
    return frames


def _patch_mask(size: Tuple[int, int], shape: str, pad: int) -> np.ndarray:
    """``(h + 2 pad, w + 2 pad)`` float32 coverage of the foreground."""
    h, w = size
    mask = np.zeros((h + 2 * pad, w + 2 * pad), np.uint8)
    if shape == 'rectangle':
        mask[pad:pad + h, pad:pad + w] = 255
    elif shape == 'ellipse':
        shift = 4  # sub-pixel centre and axes for cv2.ellipse
        centre = (round((pad + (w - 1) / 2) * 2**shift),
                  round((pad + (h - 1) / 2) * 2**shift))
        axes = (round(w / 2 * 2**shift), round(h / 2 * 2**shift))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1, cv2.LINE_AA, shift)
    else:
        raise ValueError(f"fg_shape={shape!r}: 'rectangle' or 'ellipse'")
    return mask.astype(np.float32) / 255


def _to_rgb(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8:
        raise ValueError(f'source images must be uint8, got {image.dtype}')
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 1:
        return cv2.cvtColor(image[..., 0], cv2.COLOR_GRAY2RGB)
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(image[..., :3])
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise ValueError(f'source image of shape {image.shape}: expected (H, W),'
                     ' (H, W, 1), (H, W, 3) or (H, W, 4)')


def _plain(value):
    """Python scalars and tuples, for metainfo and pickling."""
    if isinstance(value, (tuple, list, np.ndarray)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.generic):
        return value.item()
    return value


def render_motion_clip(image: np.ndarray,
                       motion: str,
                       num_frames: int = 7,
                       gt_size: Tuple[int, int] = (64, 64),
                       rng: Optional[np.random.Generator] = None,
                       max_shift: float = 12,
                       params: Optional[dict] = None,
                       second_image: Optional[np.ndarray] = None,
                       return_params: bool = False):
    """Render the HR frames of one clip: ``image`` moved by ``motion``.

    Frame ``i`` is one affine warp of the source, the motion's per-frame
    transform applied ``t = i - (num_frames - 1) / 2`` times about the
    middle frame (translation ``v t``, zoom ``s**t``, rotation ``a t``
    about ``center``), so the middle frame is the source crop itself and
    frame ``i + 1`` is exactly frame ``i`` moved by one step. The crop
    window is placed (integer position, the most textured of a few draws)
    so that no frame reads outside the image, the cubic kernel's support
    included; a source too small for that is resized up first (bicubic;
    ``source_scale`` in the params). Grey sources become RGB.

    Interpolation: ``cv2.warpAffine`` with ``INTER_CUBIC`` and
    ``BORDER_REFLECT_101``, in float32, then clipped, rounded, uint8. Not
    the area-correct alternative (render at 2x, ``INTER_AREA`` down),
    because the warps barely minify (at most ``0.97**3``, about 0.91, at
    the ends of a 7-frame zoom, so cubic aliasing is negligible), because
    cubic keeps the photo's own sharpness where 2x + area would blur every
    frame, including the middle one, and costs 4x the pixels, and because
    cubic at integer offsets is the identity: integer translations move
    pixels exactly (OpenCV quantizes sub-pixel offsets to 1/32 px).

    ``'occlusion'``: the background (``image``) moves with
    ``background_velocity`` as a translation; a foreground patch, a crop of
    ``second_image`` (default: ``image`` turned 180 degrees, so another
    part of it) under a rectangle or an anti-aliased ellipse mask, moves
    over it with ``velocity``; its mask is warped bilinearly (coverage at
    sub-pixel positions) and the two are blended by it.

    Args:
        image (np.ndarray): Source ``(H, W)``, ``(H, W, 3)`` (RGB) or
            ``(H, W, 4)`` uint8.
        motion (str): One of :data:`MOTIONS`.
        num_frames (int): Frames of the clip, at least 2. Default: 7.
        gt_size (tuple[int]): Frame ``(h, w)``. Default: ``(64, 64)``.
        rng (np.random.Generator, optional): Draws the motion (see
            :func:`draw_motion_params`) and the crop positions. Default: a
            new unseeded one.
        max_shift (float): Largest speed in HR px per frame of translations
            and foregrounds. Default: 12.
        params (dict, optional): Values to force instead of drawing them,
            keys of :data:`PARAM_KEYS` (e.g. ``dict(velocity=(4, 0))``, or
            ``origin=(x, y)``, the middle frame's top-left in the source).
            Everything is still drawn first, so the other values do not
            depend on which are forced.
        second_image (np.ndarray, optional): Foreground source of
            ``'occlusion'``.
        return_params (bool): Also return the params. Default: False.

    Returns:
        list[np.ndarray]: ``num_frames`` frames ``(h, w, 3)`` uint8 RGB; with
        ``return_params`` a tuple ``(frames, params)``, params holding every
        drawn or forced value, ``speed`` (of the translation, or of the
        foreground) and ``source_scale``.
    """
    if motion not in MOTIONS:
        raise ValueError(f'unknown motion {motion!r}: choose from {MOTIONS}')
    if not isinstance(num_frames, (int, np.integer)) or num_frames < 2:
        raise ValueError(f'num_frames={num_frames!r}: must be an int >= 2')
    h, w = _check_size(gt_size)
    if rng is None:
        rng = np.random.default_rng()
    image = _to_rgb(image)
    drawn = draw_motion_params(motion, rng, (h, w), max_shift)
    forced = dict(params or {})
    unknown = sorted(set(forced) - set(PARAM_KEYS[motion]))
    if unknown:
        raise ValueError(f'unknown params {unknown} for motion {motion!r}: '
                         f'choose from {PARAM_KEYS[motion]}')
    drawn.update({k: v for k, v in forced.items() if k != 'origin'})
    p = {k: _plain(v) for k, v in drawn.items()}

    times = [i - (num_frames - 1) / 2 for i in range(num_frames)]
    key = 'background_velocity' if motion == 'occlusion' else 'velocity'
    maps = [_forward(motion, p, t, key) for t in times]
    box = _needed_box(maps, (h, w), _MARGIN)
    source, factor = _fit_source(image, box)
    origin = _place(source, box, (h, w), rng)
    if 'origin' in forced:
        origin = tuple(int(v) for v in forced['origin'])
        _check_origin(origin, source, box, 'origin')
    frames = _warp_frames(source, maps, origin, box, (h, w))
    p['origin'] = origin
    p['source_scale'] = float(factor)

    if motion == 'occlusion':
        frames = _occlude(frames, p, times, second_image, image, rng, forced)
        p['speed'] = float(math.hypot(*p['velocity']))
    elif motion == 'translate':
        p['speed'] = float(math.hypot(*p['velocity']))
    out = [np.clip(np.rint(f), 0, 255).astype(np.uint8) for f in frames]
    return (out, p) if return_params else out


def _occlude(frames: List[np.ndarray], p: dict, times: Sequence[float],
             second_image: Optional[np.ndarray], image: np.ndarray,
             rng: np.random.Generator, forced: dict) -> List[np.ndarray]:
    """Blend the moving foreground patch over the background frames."""
    h, w = frames[0].shape[:2]
    fh, fw = (int(v) for v in p['fg_size'])
    if not (0 < fh and 0 < fw):
        raise ValueError(f"fg_size={p['fg_size']}: must be positive")
    fg_src = np.ascontiguousarray(
        image[::-1, ::-1]) if second_image is None else _to_rgb(second_image)
    pad = _MARGIN
    # the patch's own frame: patch pixel (0, 0) is the fg's top-left
    box = (-pad, -pad, fw - 1 + pad, fh - 1 + pad)
    fg_src, _ = _fit_source(fg_src, box)
    fg_origin = _place(fg_src, box, (fh, fw), rng)
    if 'fg_origin' in forced:
        fg_origin = tuple(int(v) for v in forced['fg_origin'])
        _check_origin(fg_origin, fg_src, box, 'fg_origin')
    p['fg_origin'] = fg_origin
    ox, oy = fg_origin
    patch = fg_src[oy - pad:oy + fh + pad,
                   ox - pad:ox + fw + pad].astype(np.float32)
    mask = _patch_mask((fh, fw), p['fg_shape'], pad)
    cx, cy = p['fg_center']
    vx, vy = p['velocity']
    out = []
    for frame, t in zip(frames, times):
        left = cx - fw / 2 + vx * t - pad
        top = cy - fh / 2 + vy * t - pad
        m = np.array([[1, 0, left], [0, 1, top]], np.float64)
        fg = cv2.warpAffine(
            patch,
            m, (w, h),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REFLECT_101)
        alpha = cv2.warpAffine(
            mask,
            m, (w, h),
            flags=cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0)[..., None]
        out.append(alpha * fg + (1 - alpha) * frame)
    return out


def _check_size(gt_size, scale: int = 1) -> Tuple[int, int]:
    try:
        h, w = (int(v) for v in gt_size)
        ok = (h, w) == tuple(gt_size) and h > 0 and w > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f'gt_size={gt_size!r}: must be (h, w), two positive'
                         ' ints')
    if h % scale or w % scale:
        raise ValueError(f'gt_size={tuple(gt_size)} (h, w) is not divisible'
                         f' by the scale {scale}')
    return h, w


@DATASETS.register_module()
class SyntheticMotionDataset(BaseDataset):
    """Clips of still photos moved by known motion (see the module doc).

    Clip ``i`` shows motion ``motions[i % len(motions)]`` (the motions
    cycle, so each is equally frequent) on an image drawn from ``images``
    (and, for ``'occlusion'``, a foreground from another one), all of it
    drawn from ``np.random.default_rng([seed, i])``: the clip is the same
    on every read, in every process, whatever ``indices`` subset is taken.
    Frames are rendered when a sample is read (about a millisecond for 7
    frames of 64x64, plus the LR downsampling); decoded photos are cached
    per process.

    A sample before the pipeline (:meth:`get_data_info`) has ``gt``: the
    ``num_frames`` HR frames ``(h, w, 3)`` uint8 RGB, ``img``: their LR
    frames ``(h/scale, w/scale, 3)`` by :func:`matlab_downsample`,
    ``key`` and ``clip`` (``synthetic/<motion>/<i:05d>``), ``motion``,
    ``motion_params`` (every drawn number: ``velocity``, ``zoom``,
    ``angle``, ``center``, ``origin``... see :func:`render_motion_clip`),
    ``image`` (and ``fg_image`` for occlusion), ``scale``,
    ``frame_offset`` (0) and ``clip_index`` (``i``); ``motion_params``
    describe the rendered clip, before any flip, transpose or temporal
    reversal of the pipeline. ``OddFrameSampling``
    then picks the inputs from the loaded frames, e.g.::

        pipeline=[
            dict(type='OddFrameSampling', mode='stvsr'),
            dict(type='CheckLRScale', scale=4),
            dict(type='PackInputs', meta_keys=STVSR_META_KEYS + [
                'motion', 'motion_params'])]

    Args:
        num_clips (int): Clips in the dataset. Default: 1000.
        motions (Sequence[str]): Motions, cycled. Default: all of
            :data:`MOTIONS`.
        num_frames (int): HR frames per clip (7: 4 inputs, 3 inserted in
            ST-VSR). Default: 7.
        gt_size (tuple[int]): HR frame ``(h, w)``, divisible by ``scale``.
            Default: ``(64, 64)``.
        scale (int): Spatial scale of the LR frames. Default: 4.
        images (Sequence[str], optional): Source photos, names of
            :data:`IMAGE_FILES`. Default: :data:`TRAIN_IMAGES`, or
            :data:`HELD_OUT_IMAGES` with ``test_mode=True``.
        seed (int): Seed of all draws. Default: 0.
        max_shift (float): Largest translation speed, HR px per frame.
            Default: 12.
        pipeline (list): Transforms. Default: none.
        test_mode (bool): Validation / test set. Default: False.
        lazy_init (bool): Build the (cheap) clip list only on first use, as
            mmengine's ``BaseDataset``. Default: False.
        **kwargs: Other arguments of ``BaseDataset`` (``indices``,
            ``metainfo``, ``max_refetch``...).
    """

    METAINFO = dict(dataset_type='synthetic_motion', task_name='stvsr')

    def __init__(self,
                 num_clips: int = 1000,
                 motions: Sequence[str] = MOTIONS,
                 num_frames: int = 7,
                 gt_size: Tuple[int, int] = (64, 64),
                 scale: int = 4,
                 images: Optional[Sequence[str]] = None,
                 seed: int = 0,
                 max_shift: float = 12,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 **kwargs):
        if not isinstance(num_clips, (int, np.integer)) or num_clips < 1:
            raise ValueError(f'num_clips={num_clips!r}: must be an int >= 1')
        if isinstance(motions, str):
            motions = (motions, )
        if not motions:
            raise ValueError('motions is empty: name at least one of '
                             f'{MOTIONS}')
        for m in motions:
            if m not in MOTIONS:
                raise ValueError(
                    f'unknown motion {m!r}: choose from {MOTIONS}')
        if not isinstance(num_frames, (int, np.integer)) or num_frames < 2:
            raise ValueError(f'num_frames={num_frames!r}: must be an int >= 2')
        if not isinstance(scale, (int, np.integer)) or scale < 1:
            raise ValueError(f'scale={scale!r}: must be an int >= 1')
        self.gt_size = _check_size(gt_size, scale)
        if images is None:
            images = HELD_OUT_IMAGES if test_mode else TRAIN_IMAGES
        if isinstance(images, str):
            images = (images, )
        if not images:
            raise ValueError('images is empty: name at least one of '
                             f'{sorted(IMAGE_FILES)}')
        self.images = tuple(resolve_image_name(n) for n in images)
        if not max_shift > 0:
            raise ValueError(f'max_shift={max_shift!r}: must be positive')
        self.num_clips = int(num_clips)
        self.motions = tuple(motions)
        self.num_frames = int(num_frames)
        self.scale = int(scale)
        self.seed = int(seed)
        self.max_shift = float(max_shift)
        super().__init__(
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            **kwargs)

    def _choose(self, index: int,
                rng: np.random.Generator) -> Tuple[str, str, Optional[str]]:
        """Motion, image and foreground image of clip ``index``."""
        motion = self.motions[index % len(self.motions)]
        n = len(self.images)
        first = int(rng.integers(n))
        if motion != 'occlusion':
            return motion, self.images[first], None
        second = first  # another image when there is one
        if n > 1:
            second = int(rng.integers(n - 1))
            second += second >= first
        return motion, self.images[first], self.images[second]

    def load_data_list(self) -> List[dict]:
        """One data info per clip (names only; frames are rendered on
        read)."""
        data_list = []
        for i in range(self.num_clips):
            motion, image, fg = self._choose(
                i, np.random.default_rng([self.seed, i]))
            key = f'synthetic/{motion}/{i:05d}'
            info = dict(
                key=key,
                clip=key,
                motion=motion,
                image=image,
                clip_index=i,
                scale=self.scale,
                frame_offset=0)
            if fg is not None:
                info['fg_image'] = fg
            data_list.append(info)
        return data_list

    def render(self, info: dict) -> Dict[str, object]:
        """The frames and params of the clip of a data info.

        Args:
            info (dict): A data info of :meth:`load_data_list`.

        Returns:
            dict: ``gt``, ``img`` (lists of frames) and ``motion_params``.
        """
        i = info['clip_index']
        rng = np.random.default_rng([self.seed, i])
        motion, image, fg = self._choose(i, rng)
        frames, params = render_motion_clip(
            load_source_image(image),
            motion,
            self.num_frames,
            self.gt_size,
            rng,
            max_shift=self.max_shift,
            second_image=None if fg is None else load_source_image(fg),
            return_params=True)
        return dict(
            gt=frames,
            img=[matlab_downsample(f, self.scale) for f in frames],
            motion_params=params)

    def get_data_info(self, idx: int) -> dict:
        """The sample before the pipeline, frames rendered (see the class
        doc)."""
        info = super().get_data_info(idx)
        info.update(self.render(info))
        return info
