"""Models of the course, built only on minigrad's public API, with their training procedures.

One device convention for every model: a model lives where its parameters are (``model.to("cuda")``);
its helpers (``codes``, ``reconstruct``, ``predict``, ``sample``, ``interpolate``, attribute vectors,
``GANTrainer.sample``) accept NumPy arrays or Tensors on any device, move each batch to the model's
device, run in eval mode without a graph, and return NumPy arrays on the host
(``models.inference.run_in_batches``). ``fit``, ``evaluate`` and ``GANTrainer`` move their
minibatches to the model's device as well (or to the ``device`` they are given).
"""

from models.attributes import ink, slant, split_by_attribute  # noqa: F401
from models.autoencoders import AutoEncoder, ConvAutoEncoder  # noqa: F401
from models.classifiers import CNNClassifier, MLPClassifier, RegressionMLP  # noqa: F401
from models.inference import model_device, run_in_batches  # noqa: F401
from models.gan import (  # noqa: F401
    DCDiscriminator, DCGenerator, GANTrainer, MinibatchStd, MLPDiscriminator, MLPGenerator, mixture_of_gaussians,
    nearest_mode,
)
from models.training import evaluate, fit  # noqa: F401
from models.vae import VAE, ConvVAE  # noqa: F401
