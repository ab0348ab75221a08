"""A trained network outside Keras: written as ONNX and as TFLite (float, and int8
quantised), run by ONNX Runtime or LiteRT's interpreter, and checked against the
Keras model it came from.

* :func:`export_model` writes the files: ONNX through Keras' own exporter
  (``model.export(..., format="onnx")``, which calls tf2onnx), TFLite through
  TensorFlow's ``TFLiteConverter`` from a SavedModel of the network. The int8
  file stores every weight and activation as an 8-bit integer, scaled by ranges
  measured on a few hundred training faces (:func:`representative_faces`): about
  a quarter of the float file's size, and integer arithmetic on the CPU. Its
  input and output stay float (raw 0-255 pixels in, seven probabilities out),
  so every format is called the same way.
* :class:`ExportedModel` (:func:`load_exported`) runs such a file with the part of
  ``keras.Model``'s interface the face pipeline uses (``input_shape``,
  ``output_shape``, ``predict_on_batch``), so ``fer-utils predict`` and
  ``webcam`` take ``--model model.onnx`` or ``model-int8.tflite`` as they take a
  ``.keras`` file, without importing TensorFlow.
* :func:`compare_formats` scores each file beside the Keras model on the same
  faces: the largest difference of any probability, how often the top emotion
  agrees, accuracy, and speed (images per second in batches, milliseconds for
  one face at a time, as a webcam asks).
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

FORMATS = ("onnx", "tflite", "tflite-int8")
"""What :func:`export_model` writes: ONNX (float), TFLite (float) and TFLite with int8 weights and activations."""
SUFFIXES = {"onnx": ".onnx", "tflite": ".tflite", "tflite-int8": "-int8.tflite"}
"""The end of each format's file name: ``<name>.onnx``, ``<name>.tflite``, ``<name>-int8.tflite``."""
RUNTIMES = {"keras": "Keras (TensorFlow)", "onnx": "ONNX Runtime", "tflite": "LiteRT", "tflite-int8": "LiteRT"}


def tflite_interpreter(model, threads: int | None = None):
    """A LiteRT (TFLite) interpreter for a ``.tflite`` file (its path) or its bytes,
    tensors allocated. ``threads``: CPU threads for one call (default: every core;
    XNNPACK runs the float and the int8 kernels).

    LiteRT (``ai-edge-litert``) is the interpreter ``tf.lite.Interpreter`` became:
    TensorFlow 2.21 still has the old one but warns that it is deprecated, and
    LiteRT runs without importing TensorFlow (a webcam starts in a second)."""
    from ai_edge_litert.interpreter import Interpreter

    threads = threads or os.cpu_count() or 1
    if isinstance(model, bytes):
        runner = Interpreter(model_content=model, num_threads=threads)
    else:
        runner = Interpreter(model_path=str(model), num_threads=threads)
    runner.allocate_tensors()
    return runner


class ExportedModel:
    """A network exported to ONNX (run by ONNX Runtime) or TFLite (run by LiteRT's
    interpreter, XNNPACK kernels), called like a Keras model by the face pipeline:
    ``input_shape`` and ``output_shape`` with ``None`` for the batch,
    ``predict_on_batch(images)`` returning float32 probabilities. A quantised
    TFLite file's integer inputs and outputs are converted with its own scales.
    ``threads``: CPU threads per call (default: every core)."""

    def __init__(self, path, threads: int | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"{self.path}: no such model file")
        self.name = self.path.stem
        self.threads = threads or os.cpu_count() or 1
        suffix = self.path.suffix.lower()
        if suffix == ".onnx":
            self.format = "onnx"
            self._load_onnx()
        elif suffix == ".tflite":
            self.format = "tflite"
            self._load_tflite()
        else:
            raise ValueError(f"{self.path}: an exported model is a .onnx or .tflite file")

    def _load_onnx(self) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.threads
        # no busy-waiting between calls: in a video loop the detector needs the cores while the network waits
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own exception types
            raise ValueError(f"{self.path}: ONNX Runtime cannot load it ({str(error).splitlines()[0]})") from None
        inputs, outputs = self._session.get_inputs(), self._session.get_outputs()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(f"{self.path}: a face model has one input and one output, this has "
                             f"{len(inputs)} and {len(outputs)}")
        self._input_name = inputs[0].name
        self.input_shape = (None, *(d if isinstance(d, int) else None for d in inputs[0].shape[1:]))
        self.output_shape = (None, *(d if isinstance(d, int) else None for d in outputs[0].shape[1:]))

    def _load_tflite(self) -> None:
        try:
            self._interpreter = tflite_interpreter(self.path, self.threads)
        except (ValueError, RuntimeError) as error:
            raise ValueError(f"{self.path}: LiteRT cannot load it ({str(error).splitlines()[0]})") from None
        inputs, outputs = self._interpreter.get_input_details(), self._interpreter.get_output_details()
        if len(inputs) != 1 or len(outputs) != 1:
            raise ValueError(f"{self.path}: a face model has one input and one output, this has "
                             f"{len(inputs)} and {len(outputs)}")
        self._input, self._output = inputs[0], outputs[0]
        self.input_shape = (None, *(int(d) for d in self._input["shape"][1:]))
        self.output_shape = (None, *(int(d) for d in self._output["shape"][1:]))
        self._batch = int(self._input["shape"][0])

    @property
    def file_bytes(self) -> int:
        return self.path.stat().st_size

    def predict_on_batch(self, images) -> np.ndarray:
        """The outputs (n, 7) for images (n, H, W, 1) of raw 0-255 pixels (any number type)."""
        images = np.asarray(images, np.float32)
        if self.format == "onnx":
            return np.asarray(self._session.run(None, {self._input_name: images})[0], np.float32)
        return self._run_tflite(images)

    def _run_tflite(self, images: np.ndarray) -> np.ndarray:
        runner = self._interpreter
        if len(images) != self._batch:
            runner.resize_tensor_input(self._input["index"], [len(images), *self.input_shape[1:]])
            runner.allocate_tensors()
            self._input, self._output = runner.get_input_details()[0], runner.get_output_details()[0]
            self._batch = len(images)
        scale, zero = self._input["quantization"]
        if np.issubdtype(self._input["dtype"], np.integer):
            limits = np.iinfo(self._input["dtype"])
            images = np.clip(np.round(images / scale + zero), limits.min, limits.max)
        runner.set_tensor(self._input["index"], images.astype(self._input["dtype"]))
        runner.invoke()
        output = runner.get_tensor(self._output["index"])
        scale, zero = self._output["quantization"]
        if np.issubdtype(output.dtype, np.integer):
            output = (output.astype(np.float32) - zero) * scale
        return np.asarray(output, np.float32)

    def predict(self, images, batch_size: int = 64) -> np.ndarray:
        """The outputs for any number of images, ``batch_size`` at a time."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[..., None]
        parts = [self.predict_on_batch(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return np.concatenate(parts) if parts else np.zeros((0, *self.output_shape[1:]), np.float32)

    def __repr__(self) -> str:
        return f"ExportedModel({str(self.path)!r}, format={self.format!r})"


def load_exported(path, threads: int | None = None) -> ExportedModel:
    """The ``.onnx`` or ``.tflite`` file at ``path``, ready to predict (:class:`ExportedModel`)."""
    return ExportedModel(path, threads)


def representative_faces(dataset, count: int = 300, seed: int = 0) -> np.ndarray:
    """``count`` training faces (n, H, W), drawn at random with ``seed`` and the same
    share of each emotion as the training split: the ranges the int8 file is
    scaled by are measured on them."""
    images, labels = dataset.arrays("train")
    if not len(images):
        raise ValueError(f"{dataset.caption} has no training faces to calibrate the int8 model on")
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(images), size=min(count, len(images)), replace=False)
    return images[np.sort(chosen)]


def export_model(model, folder, name: str = "model", formats=FORMATS, representative=None) -> dict[str, Path]:
    """Write ``model`` (a Keras model taking grey faces of raw 0-255 pixels) in each
    of ``formats`` (see :data:`FORMATS`) into ``folder`` as ``<name><suffix>``;
    returns the files by format. ``"tflite-int8"`` needs ``representative``, a few
    hundred faces (n, H, W) like the training data (:func:`representative_faces`)."""
    formats = tuple(formats)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"unknown export format(s) {', '.join(sorted(unknown))}; choose from {', '.join(FORMATS)}")
    if "tflite-int8" in formats and (representative is None or not len(representative)):
        raise ValueError("the int8 TFLite model needs representative faces to measure its ranges on")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shape = tuple(model.input_shape[1:])
    model(np.zeros((1, *shape), np.float32))  # Keras exports only a model that has been called
    files = {}
    if "onnx" in formats:
        files["onnx"] = folder / f"{name}{SUFFIXES['onnx']}"
        with _quiet_tf2onnx(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", "In the future `np.object`", FutureWarning)  # Keras' tf2onnx patch
            model.export(str(files["onnx"]), format="onnx", verbose=False)
    tflite = [f for f in formats if f.startswith("tflite")]
    if tflite:
        import tensorflow as tf

        with tempfile.TemporaryDirectory() as saved:
            logger = logging.getLogger("tensorflow")
            level = logger.level
            logger.setLevel(logging.WARNING)  # not "INFO:tensorflow:Assets written to: /tmp/..."
            try:
                model.export(saved, format="tf_saved_model", verbose=False)
            finally:
                logger.setLevel(level)
            for kind in tflite:
                converter = tf.lite.TFLiteConverter.from_saved_model(saved)
                if kind == "tflite-int8":
                    faces = np.asarray(representative, np.float32).reshape(-1, *shape)
                    converter.optimizations = [tf.lite.Optimize.DEFAULT]
                    converter.representative_dataset = lambda: ([face[None]] for face in faces)
                    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
                files[kind] = folder / f"{name}{SUFFIXES[kind]}"
                files[kind].write_bytes(converter.convert())
    return files


class _quiet_tf2onnx:
    """tf2onnx logs every conversion step at INFO level: only its warnings and errors are kept."""

    def __enter__(self):
        import logging

        self.loggers = [logging.getLogger(name) for name in ("tf2onnx", "tf2onnx.tfonnx", "tf2onnx.optimizer")]
        self.levels = [logger.level for logger in self.loggers]
        for logger in self.loggers:
            logger.setLevel(logging.WARNING)

    def __exit__(self, *exc):
        for logger, level in zip(self.loggers, self.levels):
            logger.setLevel(level)


def _file_bytes(path) -> int | None:
    return Path(path).stat().st_size if path and Path(path).is_file() else None


def compare_formats(model, files: dict, images: np.ndarray, labels: np.ndarray, keras_file=None,
                    batch_size: int = 64, single: int = 200) -> pd.DataFrame:
    """The Keras ``model`` and each exported file (``files``: format -> path) on the
    same faces (``images`` (n, H, W) of raw pixels, ``labels`` (n,)): one row per
    format with its runtime, file size in MB (``keras_file``: the ``.keras`` file,
    if any), the largest difference of any probability from Keras', the share of
    faces whose top emotion agrees with Keras', accuracy, images per second in
    batches of ``batch_size``, and milliseconds per face one at a time (on the first
    ``single`` faces: a webcam's case). Every runner is warmed up before timing."""
    images = np.asarray(images)[..., None]
    labels = np.asarray(labels)
    runners = {"keras": model, **{kind: load_exported(path) for kind, path in files.items()}}
    sizes = {"keras": _file_bytes(keras_file), **{kind: _file_bytes(path) for kind, path in files.items()}}
    probabilities, rows = {}, []
    for kind, runner in runners.items():
        runner.predict_on_batch(images[:batch_size])  # warm-up: traces Keras' function, sizes the interpreter
        start = time.perf_counter()
        out = [np.asarray(runner.predict_on_batch(images[i:i + batch_size]), np.float32)
               for i in range(0, len(images), batch_size)]
        seconds = time.perf_counter() - start
        probabilities[kind] = np.concatenate(out)
        one = images[:single]
        runner.predict_on_batch(one[:1])
        start = time.perf_counter()
        for face in one:
            runner.predict_on_batch(face[None])
        per_face = (time.perf_counter() - start) / max(1, len(one))
        reference = probabilities["keras"]
        rows.append({
            "format": kind, "runtime": RUNTIMES[kind],
            "MB": round(sizes[kind] / 1e6, 2) if sizes[kind] else np.nan,
            "max |Δp|": float(np.abs(probabilities[kind] - reference).max()),
            "top-1 agreement": float((probabilities[kind].argmax(1) == reference.argmax(1)).mean()),
            "accuracy": float((probabilities[kind].argmax(1) == labels).mean()),
            "images/s (batch)": len(images) / seconds,
            "ms per face (one at a time)": 1000 * per_face,
        })
    return pd.DataFrame(rows).set_index("format")
