"""SFNet components, registered in ``mmagic.registry.MODELS``."""
from .adjacent_fetch import AdjacentFetch
from .basicvsr_pp_memory import BasicVSRPlusPlusSFNet, PropagationMemory
from .container import StoreFetchContainer
from .distant_fetch import DistantFetch
from .dynamic_selection import (DirectFusion, DynamicSelection,
                                DynamicSelectionAttention)
from .feature_extractor import SFFeatureExtractor
from .flow_guided_fetch import FlowGuidedAdjacentFetch
from .head import FusionReconstructionHead
from .interfaces import (AdjacentFetchPart, DistantFetchPart,
                         DynamicSelectionPart, FeatureExtractorPart, HeadPart,
                         PartAdapter, PartInterfaceError)
from .interpolator import SFNetInterpolator
from .motion_blend import MotionBlend
from .recurrent import (BackwardRecurrentModule, ForwardRecurrentModule,
                        StoreFetchRecurrentModule)
from .sfnet import SFNet
from .sfvsr import SFVSR, build_ensemble, structure_detail

__all__ = [
    'AdjacentFetch', 'BasicVSRPlusPlusSFNet', 'PropagationMemory',
    'StoreFetchContainer', 'DistantFetch', 'DirectFusion', 'DynamicSelection',
    'DynamicSelectionAttention', 'SFFeatureExtractor',
    'FusionReconstructionHead', 'BackwardRecurrentModule',
    'ForwardRecurrentModule', 'StoreFetchRecurrentModule', 'SFNet',
    'SFNetInterpolator', 'SFVSR', 'structure_detail', 'build_ensemble',
    'FlowGuidedAdjacentFetch', 'MotionBlend', 'PartAdapter',
    'PartInterfaceError', 'FeatureExtractorPart', 'AdjacentFetchPart',
    'DistantFetchPart', 'DynamicSelectionPart', 'HeadPart'
]
