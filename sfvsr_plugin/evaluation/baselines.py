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
