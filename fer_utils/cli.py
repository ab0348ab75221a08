"""The command line: ``python -m fer_utils`` or the installed ``fer-utils`` script."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from fer_utils.config import prefer_onednn
from fer_utils.data.dataset import SPLITS
from fer_utils.data.discovery import find_data, load_dataset
from fer_utils.faces.reading import MARGIN, WEBCAM_DETECTOR, HaarDetector
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.book import BOOK_NAME


def info(args) -> int:
    """Where the data came from, and images per split and emotion."""
    location, how = find_data(args.data)
    dataset = load_dataset(args.data)
    counts = dataset.counts()
    if args.json:
        summary = {
            "dataset": dataset.name,
            "synthetic": dataset.synthetic,
            "location": str(location) if location else None,
            "chosen_by": how,
            "images": len(dataset),
            "counts": {
                split: {e: int(counts.at[split, e]) for e in DISPLAY_NAMES}
                for split in SPLITS
                if split in counts.index
            },
        }
        print(json.dumps(summary, indent=2))
        return 0
    print(f"dataset:   {dataset.caption}")
    print(f"location:  {location or dataset.origin} ({how})")
    print(f"images:    {len(dataset):,}\n")
    print(counts.to_string())
    return 0


def report(args) -> int:
    """Execute every notebook in order, then export them as one book: report/build/NAME.pdf and .html."""
    from fer_utils.book import export_book, run_notebooks

    if not args.export_only:
        results = run_notebooks(profile=args.profile, data=args.data)
        print(f"executed {len(results)} notebooks in {sum(t for _, t in results):.0f} s")
    try:
        export_book(name=args.name, hide_code=args.hide_code)
    except RuntimeError as error:  # a failed cell, pandoc or XeLaTeX: the message says where
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def models(args) -> int:
    """Every network ``train`` accepts, with its parameter count."""
    from fer_utils.nets.registry import model_catalogue

    catalogue = model_catalogue()
    if args.json:
        print(json.dumps(catalogue.reset_index().to_dict(orient="records"), indent=2))
    else:
        print(catalogue.to_string())
    return 0


def train(args) -> int:
    """Train (or resume, or load) a network on the profile's share of the data; print its scores.

    Switches oneDNN on first (:func:`fer_utils.prefer_onednn` says why).
    """
    prefer_onednn()  # before TensorFlow is imported below
    from fer_utils.config import active_profile
    from fer_utils.engine.training import train as train_model

    profile = active_profile(args.profile)
    model, settings = _recipe_settings(args, profile)
    dataset = load_dataset(args.data).sample_per_split(profile.images_per_split)
    settings["seed"] = args.seed
    if args.batch_size is not None:
        settings["batch_size"] = args.batch_size
    run = train_model(model, dataset, profile=profile, verbose=args.verbose, **settings)
    how = "loaded a finished run" if run.from_cache else (
        f"resumed after epoch {run.resumed_at}" if run.resumed_at else "trained"
    )
    print(f"{model}{f' (recipe {args.recipe})' if args.recipe else ''} on {dataset.caption}, "
          f"profile {profile.name}: {how}")
    print(f"run folder: {run.directory}")
    print(f"epochs: {len(run.history)}, best epoch {run.best_epoch}, replicas {run.replicas}")
    for split in ("validation", "test"):
        if split in set(dataset.splits):
            print(f"{split} accuracy: {run.accuracy(dataset, split):.4f}")
    return 0


def _recipe_settings(args, profile) -> tuple[str, dict]:
    """The network and engine settings that ``train``'s MODEL, ``--recipe`` and
    ``--epochs`` ask for (a recipe's own network when MODEL is left out)."""
    if args.recipe is None:
        if args.model is None:
            raise ValueError("name a network (see the models command) or a recipe (--recipe)")
        return args.model, {} if args.epochs is None else {"epochs": args.epochs}
    from fer_utils.studies.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    settings = recipe.training_settings(profile, epochs=args.epochs)
    if args.model is not None and args.model != recipe.model:
        settings.pop("model_options", None)  # they belong to the recipe's network
    return args.model or recipe.model, settings


def evaluate(args) -> int:
    """Score a network on the validation or the test split of the profile's data.

    ``MODEL`` is a name the ``models`` command lists (its training run with the
    ``train`` command's defaults, loaded when finished, trained otherwise) or a
    saved ``.keras`` file. ``--json`` prints one object:

    * ``model`` (str): MODEL as given; ``source`` (str): the ``.keras`` file scored;
    * ``dataset`` (str): the data's caption, tagged for the synthetic demo set;
      ``synthetic`` (bool); ``profile`` (str); ``split`` ("validation" or "test");
    * ``tta`` (bool): probabilities averaged over 7 views per face;
    * ``images`` (int): faces scored;
    * ``accuracy``, ``macro_f1`` (float) with ``accuracy_ci``, ``macro_f1_ci``
      ([low, high]): 95% percentile bootstrap, 1000 resamples, seed 0;
    * ``weighted_f1`` (float); ``nll`` (float): mean cross-entropy;
      ``ece`` (float): expected calibration error over 15 bins;
    * ``labels`` (list of 7 str): emotion order of ``per_class`` and the matrix;
    * ``per_class``: {emotion: {``precision``, ``recall``, ``f1`` (float),
      ``support``, ``predicted`` (int)}}; precision is 0 where ``predicted`` is 0;
    * ``confusion_matrix`` (7 lists of 7 int): rows true, columns predicted.
    """
    from fer_utils.engine.evaluation import HUMAN_ACCURACY, HUMAN_ACCURACY_SPREAD, confusion_matrix, metrics_summary, per_class_scores, predict_probabilities
    from fer_utils.config import active_profile

    profile = active_profile(args.profile)
    dataset = load_dataset(args.data).sample_per_split(profile.images_per_split)
    images, labels = dataset.arrays(args.split)
    if not len(labels):
        raise ValueError(f"{dataset.caption} has no {args.split} images")
    model, source = _model_to_evaluate(args, dataset, profile, verbose=0 if args.json else None)
    probabilities = predict_probabilities(model, images, tta=args.tta)
    summary = {
        "model": args.model or f"recipe {args.recipe}", "source": str(source), "dataset": dataset.caption,
        "synthetic": dataset.synthetic,
        "profile": profile.name, "split": args.split, "tta": args.tta, **metrics_summary(labels, probabilities),
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    predicted = probabilities.argmax(axis=1)
    low, high = summary["accuracy_ci"]
    f1_low, f1_high = summary["macro_f1_ci"]
    print(f"{args.model or f'recipe {args.recipe}'} ({source}) on {dataset.caption}, profile {profile.name}")
    print(f"{args.split}: {len(labels):,} faces{', test-time augmentation' if args.tta else ''}")
    print(f"accuracy: {summary['accuracy']:.4f} (95% CI {low:.4f}-{high:.4f}); "
          f"humans: {HUMAN_ACCURACY:.0%} ± {HUMAN_ACCURACY_SPREAD:.0%}")
    print(f"macro F1: {summary['macro_f1']:.4f} (95% CI {f1_low:.4f}-{f1_high:.4f})")
    print(f"NLL: {summary['nll']:.4f}, ECE: {summary['ece']:.4f}\n")
    print(per_class_scores(labels, predicted).round(3).to_string())
    print("\nconfusion matrix (rows true, columns predicted):")
    print(confusion_matrix(labels, predicted).to_string())
    return 0


def _model_to_evaluate(args, dataset, profile, verbose: int | None):
    """The network ``evaluate`` scores and the ``.keras`` file it comes from."""
    from fer_utils.nets.registry import MODELS

    model = args.model
    if model is None or model in MODELS or args.recipe:
        from fer_utils.engine.training import train as train_model

        name, settings = _recipe_settings(args, profile)
        run = train_model(name, dataset, profile=profile, verbose=verbose, **settings)
        return run.model, run.directory / "model.keras"
    path = Path(model)
    if path.suffix != ".keras":
        raise ValueError(f"{model!r} is neither a network name ({', '.join(MODELS)}) nor a .keras file")
    if not path.is_file():
        raise FileNotFoundError(f"no model file {path}")
    from fer_utils.faces.reference import load_model  # registers the package's layers first

    return load_model(path), path


def predict(args) -> int:
    """Find the faces in each photo and read their emotions; no dataset needed.

    One line per photo. With ``--json`` each line is a JSON object: ``file``
    (str), ``width`` and ``height`` (int, pixels) and ``faces``, a list (left to
    right) of {``box``: {``x``, ``y``, ``width``, ``height``}, ``emotion`` (str,
    the top one), ``probability`` (its probability), ``probabilities``: {emotion:
    float} for all seven}; a photo that cannot be read gives {``file``,
    ``error``} instead. ``--out`` writes the photo with labelled boxes (with
    several photos, one file each, the photo's name added to the given one).
    Exits with 2 when any photo could not be read.
    """
    from fer_utils.faces.reading import annotate, as_picture, emotion_model, predict_faces, save_image

    model, detector = emotion_model(args.model), _detector(args)
    failed = False
    for photo in args.photos:
        try:
            picture = as_picture(photo)
            faces = predict_faces(picture, model, detector, margin=args.margin)
            if args.out:
                out = Path(args.out)
                if len(args.photos) > 1:
                    out = out.with_name(f"{out.stem}-{Path(photo).stem}{out.suffix}")
                save_image(annotate(picture, faces), out)
        except (FileNotFoundError, ValueError) as error:
            failed = True
            if args.json:
                print(json.dumps({"file": photo, "error": str(error)}), flush=True)
            else:
                print(f"error: {error}", file=sys.stderr)
            continue
        height, width = picture.shape[:2]
        if args.json:
            print(json.dumps({"file": photo, "width": width, "height": height,
                              "faces": [face.to_dict() for face in faces]}), flush=True)
            continue
        print(f"{photo} ({width}x{height}): {len(faces)} face{'' if len(faces) == 1 else 's'}")
        for number, face in enumerate(faces, start=1):
            x, y, w, h = face.box
            ranked = face.probabilities.argsort()[::-1]
            others = ", ".join(f"{DISPLAY_NAMES[i]} {face.probabilities[i]:.0%}" for i in ranked[1:3])
            print(f"  face {number} at x={x} y={y}, {w}x{h}: {DISPLAY_NAMES[face.label]} {face.probability:.0%} "
                  f"({others})")
    return 2 if failed else 0


def webcam(args) -> int:
    """Label the faces of a camera or a video file frame by frame, show the frames
    live and print the frames per second (once a second, and at the end). Its
    detector defaults are :data:`fer_utils.faces.reading.WEBCAM_DETECTOR`'s."""
    from fer_utils.faces.reading import VideoOut, emotion_model, live_window, run_stream

    source = args.video if args.video is not None else args.camera
    model, detector = emotion_model(args.model), _detector(args)
    try:
        show = None if args.no_window else live_window()
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    printed = {"at": 0.0}
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(VideoOut(args.out)) if args.out else None

        def on_frame(frame, faces, stats):
            if out:
                out.write(frame)
            if stats.seconds - printed["at"] >= 1.0:
                printed["at"] = stats.seconds
                print(f"frame {stats.frames}: {stats.fps:.1f} frames/s, {len(faces)} faces", flush=True)
            return show(frame) if show else None

        stats = run_stream(source, model, detector, margin=args.margin, max_frames=args.max_frames,
                           on_frame=on_frame)
    where = f"camera {source}" if args.video is None else source
    if not stats.frames:
        print(f"error: {where}: no frame could be read", file=sys.stderr)
        return 2
    print(f"{where}: {stats.frames} frames, {stats.faces} faces, {stats.fps:.1f} frames/s; per frame "
          f"{1000 * stats.detect_seconds / stats.frames:.1f} ms finding faces, "
          f"{1000 * stats.classify_seconds / stats.frames:.1f} ms reading them")
    return 0


def _detector(args):
    """The face detector the options of ``predict`` and ``webcam`` ask for."""
    from fer_utils.faces.reading import DnnDetector

    if args.dnn:
        return DnnDetector(args.dnn, args.dnn_config)
    return HaarDetector(scale_factor=args.scale_factor, min_neighbors=args.min_neighbors,
                        min_size=args.min_size, min_eyes=args.min_eyes, max_side=args.max_side)


def _add_face_options(parser: argparse.ArgumentParser, haar: HaarDetector) -> None:
    """The model and detector options ``predict`` and ``webcam`` share, with ``haar``'s settings as defaults."""
    parser.add_argument("--model", default="reference",
                        help="'reference' (the shipped model, the default) or a .keras file")
    parser.add_argument("--margin", type=float, default=MARGIN,
                        help=f"share of the face box added on each side ({MARGIN})")
    parser.add_argument("--scale-factor", type=float, default=haar.scale_factor,
                        help=f"Haar cascade: window growth per step ({haar.scale_factor})")
    parser.add_argument("--min-neighbors", type=int, default=haar.min_neighbors,
                        help=f"Haar cascade: overlapping hits a face needs ({haar.min_neighbors})")
    parser.add_argument("--min-size", type=int, default=haar.min_size,
                        help=f"smallest face side in pixels ({haar.min_size})")
    parser.add_argument("--min-eyes", type=int, choices=(0, 1, 2), default=haar.min_eyes,
                        help="keep faces with at least this many eyes found (seed 004's check; 0: off)")
    parser.add_argument("--max-side", type=int, default=haar.max_side,
                        help=f"search larger pictures at this size, in pixels ({haar.max_side})")
    parser.add_argument("--dnn", metavar="MODEL", help="OpenCV DNN face detector file instead of the Haar cascade")
    parser.add_argument("--dnn-config", metavar="FILE", help="its network description (deploy.prototxt, .pbtxt)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fer-utils", description="Facial expression recognition report helpers."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    info_parser = commands.add_parser("info", help="dataset found, counts per split and class")
    info_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    info_parser.add_argument("--json", action="store_true", help="machine-readable output")
    info_parser.set_defaults(run=info)

    report_parser = commands.add_parser("report", help="run every notebook, then build the PDF and HTML book")
    report_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    report_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    report_parser.add_argument("--export-only", action="store_true",
                               help="only rebuild the book from report/build/notebooks/ (no execution)")
    report_parser.add_argument("--hide-code", action="store_true", help="leave the code cells' input out")
    report_parser.add_argument("--name", default=BOOK_NAME, help=f"file name of the book (default {BOOK_NAME})")
    report_parser.set_defaults(run=report)

    models_parser = commands.add_parser("models", help="networks that train accepts, with parameter counts")
    models_parser.add_argument("--json", action="store_true", help="machine-readable output")
    models_parser.set_defaults(run=models)

    train_parser = commands.add_parser("train", help="train a network (resumes an interrupted run)")
    train_parser.add_argument("model", nargs="?", help="a name listed by the models command (default: the recipe's)")
    train_parser.add_argument("--recipe", help="a named training recipe: cpu_2h (2-core CPU), full_gpu (GPU); "
                                               "see fer_utils.studies.recipes")
    train_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    train_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    train_parser.add_argument("--epochs", type=int, help="most epochs (default: the profile's)")
    train_parser.add_argument("--batch-size", type=int, help="images per replica and step (default 64)")
    train_parser.add_argument("--seed", type=int, default=0, help="seed of data order, augmentation and weights")
    train_parser.add_argument("--verbose", type=int, choices=(0, 1, 2), help="Keras verbosity (default: bar in a terminal)")
    train_parser.set_defaults(run=train)

    evaluate_parser = commands.add_parser("evaluate", help="score a network: accuracy, F1, calibration, confusions")
    evaluate_parser.add_argument("model", nargs="?", help="a name listed by the models command, or a .keras file "
                                                          "(default: the recipe's network)")
    evaluate_parser.add_argument("--recipe", help="score the run train --recipe makes (same --profile, --epochs)")
    evaluate_parser.add_argument("--epochs", type=int, help="the epochs train was given (default: the profile's "
                                                            "or the recipe's)")
    evaluate_parser.add_argument("--split", choices=("validation", "test"), default="test",
                                 help="PublicTest (validation) or PrivateTest (test, the default)")
    evaluate_parser.add_argument("--data", help="dataset CSV or folder (default: $FER_DATA, data/)")
    evaluate_parser.add_argument("--profile", help="smoke, default or full (default: $FER_PROFILE)")
    evaluate_parser.add_argument("--tta", action="store_true", help="average over flipped and cropped views")
    evaluate_parser.add_argument("--json", action="store_true", help="machine-readable output")
    evaluate_parser.set_defaults(run=evaluate)

    predict_parser = commands.add_parser("predict", help="faces and their emotions in photos (no dataset needed)")
    predict_parser.add_argument("photos", nargs="+", metavar="PHOTO", help="image files (JPEG, PNG, ...)")
    predict_parser.add_argument("--json", action="store_true", help="one JSON object per photo and line")
    predict_parser.add_argument("--out", help="write the photo with labelled boxes here (PNG, JPEG, ...)")
    _add_face_options(predict_parser, HaarDetector())
    predict_parser.set_defaults(run=predict)

    webcam_parser = commands.add_parser("webcam", help="label faces live in a camera or a video, print frames/s")
    source = webcam_parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    source.add_argument("--video", help="a video file instead of a camera")
    webcam_parser.add_argument("--out", help="also write the labelled frames as a video (.mp4 or .avi, 25 frames/s)")
    webcam_parser.add_argument("--max-frames", type=int, help="stop after this many frames")
    webcam_parser.add_argument("--no-window", action="store_true", help="show nothing, only measure and print")
    _add_face_options(webcam_parser, WEBCAM_DETECTOR)
    webcam_parser.set_defaults(run=webcam)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (FileNotFoundError, ValueError) as error:  # bad data or arguments: no traceback
        print(f"error: {error}", file=sys.stderr)
        return 2
