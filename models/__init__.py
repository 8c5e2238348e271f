"""Models of the course, built only on minigrad's public API, with their training procedures."""

from models.attributes import ink, slant, split_by_attribute  # noqa: F401
from models.autoencoders import AutoEncoder, ConvAutoEncoder  # noqa: F401
from models.classifiers import CNNClassifier, MLPClassifier, RegressionMLP  # noqa: F401
from models.gan import (  # noqa: F401
    DCDiscriminator, DCGenerator, GANTrainer, MinibatchStd, MLPDiscriminator, MLPGenerator, mixture_of_gaussians,
    nearest_mode,
)
from models.training import evaluate, fit  # noqa: F401
from models.vae import VAE, ConvVAE  # noqa: F401
