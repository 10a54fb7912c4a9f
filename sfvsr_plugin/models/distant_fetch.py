"""Distant fetch block DF (eq. 4-6, Fig. 4)."""
import math
from typing import Dict, NamedTuple, Optional, Sequence

import torch
import torch.nn.functional as F
from mmagic.registry import MODELS
from torch import nn

from .blocks import (PixelShuffleUpsampler, SFNetModule, conv3x3,
                     init_weights_of, lrelu, rename_keys)
from .container import StoredState

DIRECTIONS = ('backward', 'forward')


class EncodedMemory(NamedTuple):
    """A stored state as DF reads it, brought to a key and a value by E.

    Paper: eq. 4. Neither depends on the current frame, so a recurrent
    module encodes each stored state once and reuses it.

    Attributes:
        index (int): Frame the state was stored at (bookkeeping only: the
            attention does not use it).
        key (Tensor): ``(n, key_channels, h/8, w/8)``.
        value (Tensor): ``(n, c, h/8, w/8)``.
    """
    index: int
    key: torch.Tensor
    value: torch.Tensor


def _sdpa_operand(x: torch.Tensor) -> torch.Tensor:
    """``(n, l, d) -> (n, 1, l, d)`` with the strides of a new tensor.

    ``contiguous()`` keeps whatever strides size-1 dimensions have: for a
    1x1 map (frames of at most 8x8 pixels) the query reached SDPA with a
    head stride of 1, for which PyTorch's fp32 CUDA kernels have no
    variant ("cutlassF: no kernel found to launch!", seen on an H200 with
    PyTorch 2.11; docs/inference.md). And the keys and values of one
    stored state are views with a last-dimension stride above 1, which
    sends SDPA to its plain path. Copies only where the strides differ.
    """
    x = x.unsqueeze(1)
    expected, step = [], 1
    for size in reversed(x.shape):
        expected.append(step)
        step *= size
    if x.stride() == tuple(reversed(expected)):
        return x
    return x.clone(memory_format=torch.contiguous_format)


@MODELS.register_module()
class DistantFetch(SFNetModule):
    """Fetches from stored states by attention at 1/8 resolution.

    Paper: eq. 4 (encoder E), eq. 5 (fetch), eq. 6 (decoder D) and Fig. 4.
    The encoder brings stored states to keys and values and the current
    feature to a query, all at ``1/2**num_scales`` resolution (1/8 by
    default), where the large motion between distant frames spans few
    positions. Each query position attends to every position of every
    stored frame (eq. 5 with the learnable temperature δ); the result is
    decoded back to full resolution by a decoder of its own per container
    (``decoders['backward_container']``, ``decoders['forward_container']``).

    Eq. 5 runs through ``torch.nn.functional.scaled_dot_product_attention``
    (fused, never materialises the affinity matrix); ``attend(...,
    fused=False)`` is the plain matmul-softmax reference. Keys and values of
    a stored state do not depend on the query, so a recurrent module encodes
    each state once (``encode_memory``) and reuses it at every later frame.

    Args:
        mid_channels (int): Channels of features and states. Default: 64.
        key_channels (int): Channels of keys and queries. Default: 64.
        directions (Sequence[str]): Containers this block reads, a subset of
            ``('backward', 'forward')``; one decoder each. Default: both.
        num_scales (int): Stride-2 stages of the encoder (3 -> 1/8).
            Default: 3.

    Shapes: ``feat (n, c, h, w)``; any ``h, w`` (padded to a multiple of
    ``2**num_scales`` and cropped back).
    """

    def __init__(self,
                 mid_channels: int = 64,
                 key_channels: int = 64,
                 directions: Sequence[str] = DIRECTIONS,
                 num_scales: int = 3):
        super().__init__()
        directions = tuple(directions)
        if not directions or set(directions) - set(DIRECTIONS):
            raise ValueError(f'directions must be a non-empty subset of '
                             f'{DIRECTIONS}, got {directions}')
        self.directions = directions
        self.key_channels = key_channels
        self.num_scales = num_scales
        self.factor = 2**num_scales

        def encoder():
            layers = []
            for _ in range(num_scales):
                layers += [
                    conv3x3(mid_channels, mid_channels, stride=2),
                    lrelu()
                ]
            return nn.Sequential(*layers)

        # Memory and query have encoders of their own (as in STM, Oh et al.
        # 2019): a stored state and a fresh feature are different things.
        self.memory_encoder = encoder()
        self.key_head = conv3x3(mid_channels, key_channels)
        self.value_head = conv3x3(mid_channels, mid_channels)
        self.query_encoder = encoder()
        self.query_head = conv3x3(mid_channels, key_channels)
        # δ of eq. 5, kept positive through its log; starts at sqrt(d) as in
        # scaled dot-product attention.
        self.log_delta = nn.Parameter(
            torch.tensor(0.5 * math.log(key_channels)))

        # keyed '<direction>_container': nn.ModuleDict may not shadow .forward
        self.decoders = nn.ModuleDict({
            f'{d}_container':
            nn.Sequential(
                PixelShuffleUpsampler(mid_channels, self.factor),
                conv3x3(mid_channels, mid_channels))
            for d in directions
        })

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # Before PixelShuffleUpsampler a decoder was one flat Sequential:
        # stage i's conv at 3i, the last conv at 3 * num_scales.
        for name in self.decoders:
            renames = {
                f'decoders.{name}.{old}': f'decoders.{name}.0.body.{new}'
                for old, new in PixelShuffleUpsampler.old_layout_renames(
                    self.num_scales).items()
            }
            for p in ('weight', 'bias'):
                renames[f'decoders.{name}.{3 * self.num_scales}.{p}'] = \
                    f'decoders.{name}.1.{p}'
            rename_keys(state_dict, prefix, renames)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def init_weights(self) -> None:
        """Kaiming-normal convs with zero bias, δ back at sqrt(d)."""
        init_weights_of(self)
        nn.init.constant_(self.log_delta, 0.5 * math.log(self.key_channels))

    @property
    def delta(self) -> torch.Tensor:
        return self.log_delta.exp()

    def _pad(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        ph, pw = -h % self.factor, -w % self.factor
        if ph or pw:
            # Replicate, not zeros: zero borders would look like content.
            x = F.pad(x, (0, pw, 0, ph), mode='replicate')
        return x

    def encode_memory(self, stored: StoredState) -> EncodedMemory:
        """E of eq. 4 for one stored state (``state`` ``(n, c, h, w)``).

        Returns:
            EncodedMemory: its key and value at 1/8 (sizes rounded up).
        """
        x = self.memory_encoder(self._pad(stored.state))
        return EncodedMemory(stored.index, self.key_head(x),
                             self.value_head(x))

    def encode_query(self, feat: torch.Tensor) -> torch.Tensor:
        return self.query_head(self.query_encoder(self._pad(feat)))

    def attend(self,
               query: torch.Tensor,
               keys: torch.Tensor,
               values: torch.Tensor,
               fused: bool = True) -> torch.Tensor:
        """Eq. 5: ``V · softmax(K · Q / δ)`` over all stored positions.

        Args:
            query (Tensor): ``(n, d, h, w)``.
            keys (Tensor): ``(n, m, d, h, w)``, m stored frames.
            values (Tensor): ``(n, m, c, h, w)``.
            fused (bool): Use PyTorch's fused attention. Default: True.

        Returns:
            Tensor: ``(n, c, h, w)``.
        """
        n, d, h, w = query.shape
        c = values.size(2)
        # The fused CPU/GPU kernels need unit stride in the last dimension
        # (else SDPA silently takes the O(hw*m*hw) math path) and, on CUDA,
        # aligned strides in the others: _sdpa_operand gives each operand
        # the strides of a new tensor.
        q = (query / self.delta).flatten(2).transpose(1, 2)
        k = keys.permute(0, 1, 3, 4, 2).reshape(n, -1, d)  # (n, m*hw, d)
        v = values.permute(0, 1, 3, 4, 2).reshape(n, -1, c)  # (n, m*hw, c)
        if fused:
            out = F.scaled_dot_product_attention(
                _sdpa_operand(q),
                _sdpa_operand(k),
                _sdpa_operand(v),
                scale=1.0).squeeze(1)
        else:
            out = torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v
        return out.transpose(1, 2).reshape(n, c, h, w)  # (n, c, h, w)

    def forward(
        self, feat: torch.Tensor, memories: Dict[str, Sequence[EncodedMemory]]
    ) -> Dict[str, Optional[torch.Tensor]]:
        """Fetch from each container (eq. 5) and decode (eq. 6).

        Args:
            feat (Tensor): Current feature ``(n, c, h, w)``.
            memories (dict): Per direction, the stored states to read, from
                ``encode_memory``.

        Returns:
            dict: Per direction in ``self.directions``, the decoded output
            ``O^db`` / ``O^df`` ``(n, c, h, w)``, or None when that container
            had nothing to fetch (an empty container costs nothing).
        """
        h, w = feat.shape[-2:]
        query = None
        outputs = {}
        for direction in self.directions:
            entries = memories.get(direction) or []
            if not entries:
                outputs[direction] = None
                continue
            if query is None:
                query = self.encode_query(feat)
            keys = torch.stack([e.key for e in entries], dim=1)
            values = torch.stack([e.value for e in entries], dim=1)
            fetched = self.attend(query, keys, values)
            decoder = self.decoders[f'{direction}_container']
            outputs[direction] = decoder(fetched)[..., :h, :w]
        return outputs
