"""Regenerate the README's gallery: run every lesson with its default settings (on MNIST when it
is available) and copy a selection of figures and the metrics into docs/gallery/.

    python -m examples.gallery [--units unit06_supervised unit09_vae ...]
"""

from __future__ import annotations

import argparse
import importlib
import json
import shutil
from pathlib import Path

from examples.common import unwritable

FIGURES = {
    "unit06_supervised": ["regression_fit.png", "classification_accuracy.png"],
    "unit07_classification": ["confusion_matrix.png", "roc_curve.png", "imbalanced_accuracy.png", "binary_confusion.png"],
    "unit08_autoencoders": ["capacity_reconstructions.png", "capacity_copying.png", "use1_codes_2d.png", "use2_retrieval.png",
                            "use3_anomaly_histogram.png", "use4_clustering.png", "use5_denoising.png",
                            "use6_inpainting.png"],
    "unit09_vae": ["samples.png", "interpolations.png", "attribute_slant.png", "attribute_identity.png",
                   "manifold_2d.png", "elbo_curves.png"],
    "unit10_gan": ["samples.png", "discriminator_outputs.png", "mode_coverage.png", "mode_collapse_images.png",
                   "mode_collapse_ring.png"],
}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--units", nargs="+", choices=list(FIGURES), default=list(FIGURES), metavar="UNIT",
                   help=f"lessons to run, of {', '.join(FIGURES)}")
    p.add_argument("--dest", type=Path, default=Path("docs/gallery"))
    args = p.parse_args(argv)
    problem = unwritable(args.dest)
    if problem:
        p.error(f"--dest {args.dest}: cannot write there ({problem})")
    results_path = args.dest / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    for unit in args.units:
        out = Path("runs") / unit
        results[unit] = importlib.import_module(f"examples.{unit}").main(["--out", str(out)])
        for figure in FIGURES[unit]:
            shutil.copy(out / figure, args.dest / f"{unit}_{figure}")
        results_path.write_text(json.dumps(results, indent=2, default=str))
    print(f"gallery written to {args.dest}/")


if __name__ == "__main__":
    main()
