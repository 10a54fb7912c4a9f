"""The baselines SFNet is compared with, and starts from.

Bicubic x s of every input frame; for the frames to insert, linear blending
(the mean of the two bicubic neighbours) or repetition (the earlier one).
The upsampling is the one SFNet's structure branch adds its correction to
(``F.interpolate(mode='bicubic', align_corners=False)``, see
``FusionReconstructionHead.upsample_base``), so bicubic + blending is what
an untrained SFNet outputs (``tests/test_models/test_sfnet.py``).
"""
import numpy as np

BLENDING = 'Bicubic + blending'
REPETITION = 'Bicubic + repetition'


def bicubic_baselines(lq: np.ndarray, scale: int = 4) -> dict:
    """Bicubic x ``scale`` frames with blended and repeated inserted frames.

    Args:
        lq (np.ndarray): LR input frames ``(t, h, w, c)`` in [0, 255]
            (uint8 or float).
        scale (int): Spatial scale. Default: 4.

    Returns:
        dict: ``BLENDING`` and ``REPETITION`` -> ``(2t-1, s*h, s*w, c)``
        float32 frames in [0, 255]; the even frames are the bicubic ones.
    """
    import torch
    import torch.nn.functional as F
    lq = np.asarray(lq)
    if lq.ndim != 4:
        raise ValueError(
            f'bicubic_baselines expects frames (t, h, w, c), got shape '
            f'{lq.shape}')
    x = torch.from_numpy(np.ascontiguousarray(lq)).permute(0, 3, 1, 2).float()
    up = F.interpolate(
        x, scale_factor=scale, mode='bicubic',
        align_corners=False).clamp(0, 255).permute(0, 2, 3, 1).numpy()
    num_out = 2 * len(up) - 1
    blend = np.empty((num_out, ) + up.shape[1:], np.float32)
    repeat = np.empty_like(blend)
    blend[0::2] = repeat[0::2] = up
    blend[1::2] = (up[:-1] + up[1:]) / 2
    repeat[1::2] = up[:-1]
    return {BLENDING: blend, REPETITION: repeat}


FLOW = 'Bicubic + flow interpolation'


def flow_midpoint(prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
    """The frame halfway between two frames, by optical flow.

    A plain flow-based interpolation, the reference a net that aligns
    features should reach on simple motion: OpenCV's DIS flow both ways on
    the grey frames, the flows to the midpoint approximated from them as
    Super SloMo does at ``t = 1/2`` (``F_t0 = (F_10 - F_01) / 4``,
    ``F_t1 = -F_t0``), both frames warped there (bilinear, borders
    replicated) and averaged.

    Args:
        prev, nxt (np.ndarray): ``(h, w, c)`` frames in [0, 255].

    Returns:
        np.ndarray: ``(h, w, c)`` float32 frame in [0, 255].
    """
    import cv2
    prev = np.asarray(prev, np.float32)
    nxt = np.asarray(nxt, np.float32)
    h, w = prev.shape[:2]

    def grey(img):
        img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
        return cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.ndim == 3 and \
            img.shape[2] == 3 else img.reshape(h, w)

    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flow_01 = dis.calc(grey(prev), grey(nxt), None)
    flow_10 = dis.calc(grey(nxt), grey(prev), None)
    flow_t0 = (flow_10 - flow_01) / 4
    grid = np.stack(np.meshgrid(np.arange(w), np.arange(h)),
                    -1).astype(np.float32)

    def warp(img, flow):
        out = cv2.remap(
            img,
            *(grid + flow).transpose(2, 0, 1),
            cv2.INTER_LINEAR,
            borderMode=cv2.BORDER_REPLICATE)
        return out.reshape(img.shape)

    return (warp(prev, flow_t0) + warp(nxt, -flow_t0)) / 2


def flow_baseline(lq: np.ndarray, scale: int = 4) -> np.ndarray:
    """Bicubic x ``scale`` frames with flow-interpolated inserted frames.

    The inserted frames are :func:`flow_midpoint` of their LR neighbours,
    then upsampled like the others.

    Args:
        lq (np.ndarray): LR input frames ``(t, h, w, c)`` in [0, 255].
        scale (int): Spatial scale. Default: 4.

    Returns:
        np.ndarray: ``(2t-1, s*h, s*w, c)`` float32 frames in [0, 255].
    """
    lq = np.asarray(lq, np.float32)
    frames = np.empty((2 * len(lq) - 1, ) + lq.shape[1:], np.float32)
    frames[0::2] = lq
    for i in range(len(lq) - 1):
        frames[2 * i + 1] = flow_midpoint(lq[i], lq[i + 1])
    # the same bicubic as the other baselines: the even frames of the
    # blending baseline of these frames as inputs are their bicubic x s
    ups = bicubic_baselines(frames, scale)[BLENDING][0::2]
    return ups
