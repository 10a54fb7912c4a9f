"""What each swappable part of SFNet must offer, and the build-time check.

SFNet builds five parts from configs: the feature extractor (FE), the
adjacent fetch (AF), the distant fetch (DF), the dynamic selection (DS) and
the fusion-reconstruction head (F&R). Any registered module can take a
part's place if it fulfils that part's role: the :class:`typing.Protocol`
classes below state each role (the methods SFNet calls, with the arguments
it passes), and :func:`build_role` checks a built part against its role, so
a wrong part fails when SFNet is built, with an error naming the part and
the missing method, not deep inside a forward pass. docs/mixing.md
describes the roles in prose, with the shapes.
"""
import copy
import inspect
import re
from typing import Dict, List, Optional, Protocol, Sequence, Tuple

import torch
from mmagic.registry import MODELS
from torch import nn

from .blocks import SFNetModule, build_part, init_weights_of


class PartInterfaceError(TypeError):
    """A part built from a config does not fulfil its role in SFNet; the
    message names the part (its config type), the role and what is
    missing."""


class FeatureExtractorPart(Protocol):
    """FE (eq. 1): image frames to features, frame by frame.

    SFNet builds it with ``in_channels`` and ``mid_channels`` (unless the
    config sets them) and calls it on all frames at once, frames folded into
    the batch.
    """

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """``(n*T, in_channels, h, w) -> (n*T, mid_channels, h, w)``."""


class AdjacentFetchPart(Protocol):
    """AF: aligns an adjacent hidden state to the current feature.

    Built with ``mid_channels``, one instance per adjacent source (BRM: its
    own state of frame k+1; FRM: its own state of frame k-1 and BRM's of
    frame k+1). A part whose ``needs_frames`` attribute is True is also
    given, as keywords, the LR frame of the current frame (``frame``) and
    that of the frame the hidden state belongs to (``neighbour_frame``,
    None where the state is the zero start state), each ``(n, in_channels,
    h, w)``; without the attribute it gets only ``feat`` and ``hidden``.
    """

    def forward(self, feat: torch.Tensor,
                hidden: torch.Tensor) -> torch.Tensor:
        """``feat, hidden (n, c, h, w) -> aligned hidden (n, c, h, w)``."""


class DistantFetchPart(Protocol):
    """DF (eq. 4-6): reads the states stored in the containers.

    Built with ``mid_channels`` and ``directions`` (the containers it reads,
    a subset of ``('backward', 'forward')``). The recurrent module encodes
    each stored state once with ``encode_memory`` and passes, per direction,
    the encoded states a frame may read.
    """

    def encode_memory(self, stored):
        """A ``StoredState`` (index, state ``(n, c, h, w)``) to whatever
        ``forward`` reads (``EncodedMemory`` for SFNet's DF)."""

    def forward(
            self, feat: torch.Tensor,
            memories: Dict[str,
                           Sequence]) -> Dict[str, Optional[torch.Tensor]]:
        """``feat (n, c, h, w)`` and the encoded states by direction -> per
        direction ``(n, c, h, w)``, or None where there was nothing to
        read."""


class DynamicSelectionPart(Protocol):
    """DS (Fig. 5): fuses the candidates into the next hidden state H and
    the state c to store.

    Built with ``mid_channels`` and ``num_candidates`` (adjacent sources,
    then distant sources, in the paper's order ``H^af, H^ab, O^df, O^db``).
    A candidate is None where a container had nothing to fetch yet.
    """

    def forward(self, candidates: List[Optional[torch.Tensor]],
                feat: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        """``num_candidates`` tensors ``(n, c, h, w)`` or None, and ``feat``
        ``(n, c, h, w)`` -> ``(H, c)``, ``(n, c, h, w)`` each."""


class HeadPart(Protocol):
    """F&R (eq. 7): hidden states of both passes to HR frames.

    Built with ``mid_channels``, ``out_channels`` (image channels) and
    ``upscale_factor``.
    """

    def forward(
        self, frames: torch.Tensor, hidden_backward: torch.Tensor,
        hidden_forward: torch.Tensor
    ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """LR frames ``(n, T, c, h, w)``, BRM and FRM states ``(n, T, C, h,
        w)`` -> ``(I, S, D)``, each ``(n, T, c, s*h, s*w)``."""


def role_methods(role: type) -> Dict[str, inspect.Signature]:
    """The methods a role's Protocol names, with their signatures (without
    ``self``)."""
    methods = {}
    for name, value in vars(role).items():
        if inspect.isfunction(value) and (name == 'forward'
                                          or not name.startswith('_')):
            sig = inspect.signature(value)
            params = list(sig.parameters.values())[1:]
            methods[name] = sig.replace(parameters=params)
    return methods


def _part_name(cfg: dict) -> str:
    part_type = cfg.get('type')
    return getattr(part_type, '__name__', str(part_type))


def check_part(part: nn.Module, role: type, where: str, name: str) -> None:
    """Raises :class:`PartInterfaceError` unless ``part`` has every method
    of ``role`` and each accepts the arguments SFNet passes.

    Args:
        part (nn.Module): The built part.
        role (type): One of the Protocols of this module.
        where (str): Which slot it fills, e.g. ``'SFNet.feature_extractor'``.
        name (str): The part's config type, for the message.
    """
    if isinstance(part, PartAdapter):  # the adapted module does the work
        check_part(part.part, role, where, f'{name}({part.part_name})')
        return
    for method, sig in role_methods(role).items():
        wanted = f'{method}{sig}'.replace('torch.', '')
        impl = getattr(type(part), method, None)
        if not callable(impl) or impl is nn.Module.forward:
            # nn.Module.forward exists on every module and only raises
            raise PartInterfaceError(
                f'{where}: {name} does not fulfil the {role.__name__} '
                f'interface: it has no method {wanted}')
        actual = inspect.signature(getattr(part, method))
        try:  # with as many positional arguments as SFNet passes
            actual.bind(*range(len(sig.parameters)))
        except TypeError:
            has = f'{method}{actual}'.replace('torch.', '')
            raise PartInterfaceError(
                f'{where}: {name} does not fulfil the {role.__name__} '
                f'interface: its {has} cannot be called as {wanted}') from None


def build_role(cfg: Optional[dict],
               role: type,
               where: str,
               optional: bool = False,
               **defaults) -> Optional[nn.Module]:
    """:func:`~sfvsr_plugin.models.blocks.build_part`, then
    :func:`check_part`.

    A part whose constructor does not take an argument fails here too, with
    the same error type and what to do: wrap it in :class:`PartAdapter`
    when SFNet passes the argument (``defaults``), or replace the config
    dict whole (``_delete_=True``) when the argument came from a base
    config's dict for another type.

    Args:
        cfg (dict, optional): The part's config; None (an ablated part)
            gives None where the slot is ``optional``.
        role (type): The Protocol the part must fulfil.
        where (str): The slot, for messages.
        optional (bool): Whether the slot may be left empty (AF and DF:
            the paper's ablations). Default: False.
        **defaults: Arguments for the keys ``cfg`` does not set.
    """
    if cfg is None:
        if optional:
            return None
        raise PartInterfaceError(
            f'{where}: a {role.__name__} is required, got None (only '
            'adjacent_fetch and distant_fetch can be left out)')
    name = _part_name(cfg)
    try:
        part = build_part(cfg, **defaults)
    except TypeError as err:
        match = re.search(r"unexpected keyword argument '(\w+)'", str(err))
        if match is None:
            raise
        key = match.group(1)
        if key in defaults:
            how = (f'SFNet passes {key} to every {role.__name__}: set the '
                   "argument's name with dict(type='PartAdapter', part=..., "
                   'rename=...) (docs/mixing.md)')
        else:
            how = (f'{key} comes from its config, or from the base config '
                   "it was merged into: start the part's dict with "
                   '_delete_=True to replace it whole')
        raise PartInterfaceError(
            f'{where}: {name} does not take the argument {key}: {how}') \
            from None
    check_part(part, role, where, name)
    return part


@MODELS.register_module()
class PartAdapter(SFNetModule):
    """Any module as an SFNet part, with SFNet's arguments renamed.

    SFNet builds each part with its own names for the sizes
    (``in_channels``, ``mid_channels``, ...). A module that calls them
    otherwise (MMagic's ``ResidualBlocksWithInputConv`` takes
    ``out_channels`` where SFNet passes ``mid_channels``) is wrapped here:
    ``rename`` maps SFNet's name to the module's, or to None to drop an
    argument the module does not take. The call is passed through
    unchanged, and SFNet checks the wrapped module against the role.

    The wrapped module starts as SFNet's own parts do (``init_weights_of``:
    every conv Kaiming-normal, MMagic's residual blocks at 0.1), not with
    its own ``init_weights``, which for MMagic's ``BaseModule`` without an
    ``init_cfg`` leaves PyTorch's defaults.

    Args:
        part (dict): Config of the wrapped module (a registered type, or a
            full import path such as
            ``'mmagic.models.editors.basicvsr.basicvsr_net.'
            'ResidualBlocksWithInputConv'`` for a class MMagic does not
            register).
        rename (dict): SFNet's argument name -> the module's name, or None.
            Default: no renaming.
        **sizes: What SFNet passes (``in_channels``, ``mid_channels``, ...);
            each goes to the module under its name after ``rename``, unless
            ``part`` sets it.

    Example::

        feature_extractor=dict(
            type='PartAdapter',
            part=dict(type='mmagic.models.editors.basicvsr.basicvsr_net.'
                      'ResidualBlocksWithInputConv', num_blocks=5),
            rename=dict(mid_channels='out_channels'))
    """

    def __init__(self,
                 part: dict,
                 rename: Optional[Dict[str, Optional[str]]] = None,
                 **sizes):
        super().__init__()
        rename = rename or {}
        cfg = copy.deepcopy(part)
        for key, value in sizes.items():
            key = rename.get(key, key)
            if key is not None:
                cfg.setdefault(key, value)
        self.part_name = _part_name(part)
        self.part = MODELS.build(cfg)

    def init_weights(self) -> None:
        if isinstance(self.part, nn.Conv2d):
            init_weights_of(self)
        else:
            init_weights_of(self.part)

    def forward(self, *args, **kwargs):
        return self.part(*args, **kwargs)
