"""SFNet checks at build that each swapped part fulfils its role
(``sfvsr_plugin.models.interfaces``): a part without a method SFNet calls,
or with one that cannot take SFNet's arguments, fails at build with a
``PartInterfaceError`` naming the slot, the part and the method."""
import pytest
import torch
from mmagic.registry import MODELS
from torch import nn

from sfvsr_plugin.models import (AdjacentFetchPart, DistantFetchPart,
                                 DynamicSelectionPart, FeatureExtractorPart,
                                 HeadPart, PartInterfaceError)
from sfvsr_plugin.models.interfaces import role_methods
from sfvsr_plugin.testing import tiny_sfnet_cfg


class _Sized(nn.Module):
    """Takes whatever sizes SFNet passes, as a real part would."""

    def __init__(self, **sizes):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)


@MODELS.register_module(force=True)
class FeatureExtractorWithoutForward(_Sized):
    pass


@MODELS.register_module(force=True)
class DistantFetchWithoutEncoder(_Sized):

    def forward(self, feat, memories):
        return {}


@MODELS.register_module(force=True)
class SelectionOfOneInput(_Sized):

    def forward(self, candidates):
        return candidates[0], candidates[0]


@MODELS.register_module(force=True)
class HeadOfOneState(_Sized):

    def forward(self, frames, hidden):
        return frames, frames, frames


@MODELS.register_module(force=True)
class MeanOfStates(nn.Module):
    """A DF whose constructor takes only what SFNet passes."""

    def __init__(self, mid_channels, directions):
        super().__init__()

    def encode_memory(self, stored):
        return stored

    def forward(self, feat, memories):
        return {}


@MODELS.register_module(force=True)
class FetchOfThreeRequiredInputs(_Sized):

    def forward(self, feat, hidden, flow):
        return hidden


@pytest.mark.parametrize(
    'slot,part,where,missing',
    [('feature_extractor', 'FeatureExtractorWithoutForward',
      'SFNet.feature_extractor', 'has no method forward(frames: Tensor)'),
     ('distant_fetch', 'DistantFetchWithoutEncoder',
      'BackwardRecurrentModule.distant_fetch',
      'has no method encode_memory(stored)'),
     ('dynamic_selection', 'SelectionOfOneInput',
      'BackwardRecurrentModule.dynamic_selection',
      'its forward(candidates) cannot be called as forward(candidates'),
     ('head', 'HeadOfOneState', 'SFNet.head',
      'its forward(frames, hidden) cannot be called as forward(frames'),
     ('adjacent_fetch', 'FetchOfThreeRequiredInputs',
      'BackwardRecurrentModule.adjacent_fetch',
      'its forward(feat, hidden, flow) cannot be called as forward(feat')])
def test_a_part_with_the_wrong_interface_fails_at_build(
        slot, part, where, missing):
    with pytest.raises(PartInterfaceError) as err:
        MODELS.build(tiny_sfnet_cfg(**{slot: dict(type=part)}))
    msg = str(err.value)
    assert msg.startswith(f'{where}: {part} does not fulfil the ')
    assert missing in msg, msg
    assert isinstance(err.value, TypeError)  # what a bad call would raise


def test_a_part_that_does_not_take_sfnets_sizes_fails_with_a_hint():
    with pytest.raises(PartInterfaceError) as err:
        MODELS.build(
            tiny_sfnet_cfg(
                feature_extractor=dict(
                    type='mmagic.models.editors.basicvsr.basicvsr_net.'
                    'ResidualBlocksWithInputConv')))
    assert str(err.value) == (
        'SFNet.feature_extractor: mmagic.models.editors.basicvsr.'
        'basicvsr_net.ResidualBlocksWithInputConv does not take the argument '
        'mid_channels: SFNet passes mid_channels to every '
        "FeatureExtractorPart: set the argument's name with "
        "dict(type='PartAdapter', part=..., rename=...) (docs/mixing.md)")


def test_an_argument_merged_from_the_base_config_is_named():
    """A dict for another type merged into the base's keeps the base's
    keys: the error says where the argument came from."""
    cfg = tiny_sfnet_cfg()
    cfg['feature_extractor'] = dict(
        cfg['feature_extractor'], type='FeatureExtractorWithoutForward')
    with pytest.raises(PartInterfaceError, match='FeatureExtractorWithout'):
        MODELS.build(cfg)  # takes any argument: fails at the check
    cfg = tiny_sfnet_cfg()
    cfg['distant_fetch'] = dict(cfg['distant_fetch'], type='MeanOfStates')
    with pytest.raises(PartInterfaceError) as err:
        MODELS.build(cfg)
    assert str(err.value).startswith(
        'BackwardRecurrentModule.distant_fetch: MeanOfStates does not take '
        'the argument key_channels: key_channels comes from its config, or '
        'from the base config')
    assert '_delete_=True' in str(err.value)


def test_the_module_inside_an_adapter_is_checked():
    """A PartAdapter passes any call through: SFNet checks what it wraps."""
    with pytest.raises(PartInterfaceError) as err:
        MODELS.build(
            tiny_sfnet_cfg(
                dynamic_selection=dict(
                    type='PartAdapter',
                    part=dict(type='SFFeatureExtractor', in_channels=8),
                    rename=dict(num_candidates=None))))
    assert str(err.value).startswith(
        'BackwardRecurrentModule.dynamic_selection: '
        'PartAdapter(SFFeatureExtractor) does not fulfil the '
        'DynamicSelectionPart interface: its forward(frames: Tensor) -> '
        'Tensor cannot be called as forward(candidates')


@pytest.mark.parametrize('slot,where', [
    ('feature_extractor', 'SFNet.feature_extractor'),
    ('dynamic_selection', 'BackwardRecurrentModule.dynamic_selection'),
    ('head', 'SFNet.head'),
])
def test_only_af_and_df_can_be_left_out(slot, where):
    with pytest.raises(PartInterfaceError) as err:
        MODELS.build(tiny_sfnet_cfg(**{slot: None}))
    assert str(err.value).startswith(f'{where}: a ')
    assert 'is required, got None' in str(err.value)


def test_the_roles_name_the_methods_sfnet_calls():
    assert {
        role.__name__: list(role_methods(role))
        for role in (FeatureExtractorPart, AdjacentFetchPart, DistantFetchPart,
                     DynamicSelectionPart, HeadPart)
    } == {
        'FeatureExtractorPart': ['forward'],
        'AdjacentFetchPart': ['forward'],
        'DistantFetchPart': ['encode_memory', 'forward'],
        'DynamicSelectionPart': ['forward'],
        'HeadPart': ['forward'],
    }
    assert [
        list(sig.parameters)
        for sig in role_methods(DistantFetchPart).values()
    ] == [['stored'], ['feat', 'memories']]


@pytest.mark.parametrize('overrides', [
    dict(),
    dict(
        adjacent_fetch=None,
        distant_fetch=None,
        dynamic_selection=dict(type='DirectFusion')),
    dict(containers='none'),
])
def test_sfnets_own_parts_fulfil_their_roles(overrides):
    net = MODELS.build(tiny_sfnet_cfg(**overrides))
    assert net(torch.rand(1, 2, 3, 8, 8)).shape == (1, 3, 3, 32, 32)


def test_the_docs_quote_the_errors_sfnet_gives():
    """docs/mixing.md's example errors are the ones SFNet raises."""
    import os.path as osp
    docs = osp.join(osp.dirname(__file__), '..', '..', 'docs', 'mixing.md')
    with open(docs) as f:
        text = f.read()
    quoted = text.split('```text\n')[1].split('```')[0].splitlines()
    cases = [
        dict(distant_fetch=dict(type='DistantFetchWithoutEncoder')),
        dict(head=dict(type='HeadOfOneState')),
        dict(
            feature_extractor=dict(
                type='mmagic.models.editors.basicvsr.basicvsr_net.'
                'ResidualBlocksWithInputConv')),
    ]
    raised = []
    for case in cases:
        with pytest.raises(PartInterfaceError) as err:
            MODELS.build(tiny_sfnet_cfg(**case))
        raised.append(str(err.value))
    assert quoted == raised
