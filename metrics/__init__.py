"""metrics: everything the course measures, on NumPy arrays, CuPy arrays and minigrad Tensors.

Each module's docstring states its formulas and how degenerate inputs are handled.
"""

from metrics.anomaly import anomaly_auc, reconstruction_error  # noqa: F401
from metrics.binary import (  # noqa: F401
    BinaryConfusion, binary_confusion, f1_score, false_positive_rate, fbeta_score, fpr, precision, recall,
    sensitivity, specificity, tnr, tpr, true_negative_rate, true_positive_rate,
)
from metrics.clustering import (  # noqa: F401
    KMeansResult, adjusted_rand_index, cluster_accuracy, contingency, kmeans, normalized_mutual_info,
)
from metrics.generative import ModeCoverage, frechet_distance, inception_score, mode_coverage  # noqa: F401
from metrics.image import psnr, ssim  # noqa: F401
from metrics.multiclass import (  # noqa: F401
    accuracy, balanced_accuracy, classification_report, confusion_matrix, f_score, precision_recall_fscore,
    precision_score, recall_score, top_k_accuracy,
)
from metrics.ranking import auc, average_precision, precision_recall_curve, roc_auc_score, roc_curve  # noqa: F401
from metrics.regression import (  # noqa: F401
    mae, mean_absolute_error, mean_squared_error, mse, r2_score, rmse, root_mean_squared_error,
)
from metrics.retrieval import (  # noqa: F401
    mean_average_precision, nearest_neighbors, pairwise_distances, precision_at_k, recall_at_k,
)

from minigrad.checks import named_errors as _named_errors  # noqa: E402

# Every public function reports a bad argument under the name it was called by (fpr, f1_score, ...).
for _name, _value in list(globals().items()):
    if callable(_value) and not _name.startswith("_") and not isinstance(_value, type):
        globals()[_name] = _named_errors(_value, _name)
