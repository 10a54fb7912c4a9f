"""SFNet components, registered in ``mmagic.registry.MODELS``."""
from .adjacent_fetch import AdjacentFetch
from .container import StoreFetchContainer
from .distant_fetch import DistantFetch
from .dynamic_selection import (DirectFusion, DynamicSelection,
                                DynamicSelectionAttention)
from .feature_extractor import SFFeatureExtractor
from .head import FusionReconstructionHead
from .recurrent import (BackwardRecurrentModule, ForwardRecurrentModule,
                        StoreFetchRecurrentModule)
from .sfnet import SFNet
from .sfvsr import SFVSR, build_ensemble, structure_detail

__all__ = [
    'AdjacentFetch', 'StoreFetchContainer', 'DistantFetch', 'DirectFusion',
    'DynamicSelection', 'DynamicSelectionAttention', 'SFFeatureExtractor',
    'FusionReconstructionHead', 'BackwardRecurrentModule',
    'ForwardRecurrentModule', 'StoreFetchRecurrentModule', 'SFNet', 'SFVSR',
    'build_ensemble', 'structure_detail'
]
