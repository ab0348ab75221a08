"""The training engine and what judges its runs: run folders and cached results,
training with checkpoints and resume, evaluation, explanation (Grad-CAM, t-SNE),
ensembles, and export to ONNX and TFLite (:mod:`~fer_utils.engine.export`)."""
