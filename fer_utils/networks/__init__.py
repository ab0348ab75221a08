"""The networks of chapter 8, one module per family, each a builder that
:data:`fer_utils.models.MODELS` registers under a snake_case name.

* :mod:`~fer_utils.networks.xception`: Arriaga et al.'s mini-Xception (seed 001)
  and seed 003's residual separable network built from the same modules;
* :mod:`~fer_utils.networks.lc2fer`: LC2FER, the light ConvNeXt V2 of seed 002,
  with its Global Response Normalisation and configurations C1-C8;
* :mod:`~fer_utils.networks.plain`: seed 004's six-convolution CNN and its
  feed-forward baseline;
* :mod:`~fer_utils.networks.transfer`: a Keras application backbone (ResNet50V2 by
  default) for transfer learning (seed 004), with weights from a local file;
* :mod:`~fer_utils.networks.resnet`: a compact ResNet sized for a 2-core CPU,
  the network of the training recipes (:mod:`fer_utils.recipes`).

Ensembles of trained networks are in :mod:`fer_utils.ensembles`. Every builder
follows :mod:`fer_utils.network_parts`: raw 0-255 pixels in, an
``EmotionProbabilities`` layer named ``"emotion"`` out.
"""
