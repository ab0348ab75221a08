"""The command line: ``python -m fer_utils`` or the installed ``fer-utils`` script."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from fer_utils.config import DEMO_PROFILE, PROFILE_ENV, prefer_onednn, storage_error
from fer_utils.errors import StorageError
from fer_utils.data.dataset import SPLITS, dataset_digest
from fer_utils.data.discovery import find_data, load_dataset
from fer_utils.faces.detection import DETECTOR_NAMES, WEBCAM_DETECTOR, HaarDetector
from fer_utils.faces.reading import MARGIN
from fer_utils.data.labels import DISPLAY_NAMES
from fer_utils.book import BOOK_NAME
from fer_utils.engine.export import FORMATS as EXPORT_FORMATS


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
            "digest": dataset_digest(dataset),
            "images": len(dataset),
            "totals": {split: int(counts.at[split, "total"]) for split in SPLITS if split in counts.index},
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
    print(f"digest:    {dataset_digest(dataset)}")
    print(f"images:    {len(dataset):,}\n")
    print(counts.to_string())
    return 0


def report(args) -> int:
    """Execute every notebook in order, then export them as one book: report/build/NAME.pdf and .html.
    With ``--plan`` only print what that would train and how long it takes (:func:`report_plan`)."""
    if args.plan:
        return report_plan(args)
    if args.json:
        raise ValueError("--json goes with --plan")
    from fer_utils.book import committed_dir, export_book, run_notebooks

    if args.in_place and args.export_only:
        raise ValueError("--in-place executes the chapters; --export-only executes nothing: choose one")
    if not args.export_only:
        profile = args.profile or os.environ.get(PROFILE_ENV)
        if profile is None and find_data(args.data)[0] is None:
            profile = DEMO_PROFILE
            print(f"no dataset found: building the book on the generated demo set with the {DEMO_PROFILE} profile's "
                  f"budgets (choose another with --profile); data/README.md says how to get FER-2013", flush=True)
        results = run_notebooks(profile=profile, data=args.data, in_place=args.in_place)
        print(f"executed {len(results)} notebooks in {sum(t for _, t in results):.0f} s")
    try:
        export_book(name=args.name, hide_code=args.hide_code,
                    notebooks_dir=committed_dir() if args.in_place else None)
    except RuntimeError as error:  # a failed cell, pandoc or XeLaTeX: the message says where
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def report_plan(args) -> int:
    """Each chapter's training runs with their estimated minutes on a 2-core CPU, what
    is cached, the total, and the committed results apart (:mod:`fer_utils.studies.plan`);
    trains nothing. With ``--json`` one object (:meth:`~fer_utils.studies.plan.ReportPlan.to_dict`)."""
    from fer_utils.config import active_profile
    from fer_utils.studies.plan import report_plan as make_plan

    profile = active_profile(args.profile)
    plan = make_plan(profile, load_dataset(args.data, profile))
    print(json.dumps(plan.to_dict(), indent=2) if args.json else plan.text())
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
    from fer_utils.faces.reference import load_model  # checked, and registers the package's layers first

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
    from fer_utils.faces.images import as_picture, save_image
    from fer_utils.faces.reading import annotate, emotion_model, predict_faces

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
        except (OSError, ValueError) as error:
            failed = True
            message = describe_os_error(error) if isinstance(error, OSError) else str(error)
            if args.json:
                print(json.dumps({"file": photo, "error": message}), flush=True)
            else:
                print(f"error: {message}", file=sys.stderr)
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
    live and print the frames per second (once a second, and at the end). It finds
    faces with BlazeFace unless told otherwise; its Haar settings are
    :data:`fer_utils.faces.detection.WEBCAM_DETECTOR`'s."""
    from fer_utils.faces.reading import emotion_model
    from fer_utils.faces.video import VideoOut, live_window, run_stream

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


def video(args) -> int:
    """Turn a video into a table: one row per face and frame (time, frame, track,
    box, the seven probabilities, the top emotion), written as CSV to ``--csv``
    (:func:`fer_utils.faces.video.video_table`), with a progress bar; prints how
    many frames, faces and tracks, and each track's most frequent emotion."""
    from fer_utils.faces.reading import emotion_model
    from fer_utils.faces.video import video_table

    model, detector = emotion_model(args.model), _detector(args)
    table = video_table(args.file, model, detector, margin=args.margin, every=args.every,
                        max_frames=args.max_frames)
    out = Path(args.csv)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False, float_format="%.6f")
    except OSError as error:
        raise storage_error(error, out, "write") from None
    frames = table["frame"].nunique()
    print(f"{args.file}: {len(table)} face rows in {frames} frames with a face, "
          f"{table['track'].nunique()} tracks; wrote {out}")
    for track, rows in table.groupby("track"):
        counts = rows["emotion"].value_counts()
        print(f"  track {track}: {rows['time'].min():.2f}-{rows['time'].max():.2f} s, {len(rows)} frames, "
              f"mostly {counts.index[0]} ({counts.iloc[0] / len(rows):.0%})")
    return 0


def export(args) -> int:
    """Write a network as ONNX and TFLite (float and int8) and check each file against
    the Keras model on the test split's faces (PrivateTest): largest probability
    difference, agreement of the top emotion, accuracy, speed
    (:mod:`fer_utils.engine.export`)."""
    import pandas as pd

    from fer_utils.engine.export import compare_formats, export_model, representative_faces
    from fer_utils.faces import reference
    from fer_utils.faces.reading import emotion_model

    if Path(args.model).suffix.lower() in (".onnx", ".tflite"):
        raise ValueError(f"{args.model}: already exported; export takes 'reference' or a .keras file")
    model = emotion_model(args.model)
    keras_file = reference.FOLDER / reference.MODEL_FILE if args.model == reference.NAME else Path(args.model)
    name = args.name or (reference.NAME if args.model == reference.NAME else keras_file.stem)
    dataset = load_dataset(args.data)
    calibration = representative_faces(dataset, args.calibration) if "tflite-int8" in args.formats else None
    files = export_model(model, args.out, name, formats=args.formats, representative=calibration)
    for kind, path in files.items():
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, {kind})")
    if args.no_check:
        return 0
    images, labels = dataset.arrays("test")
    if args.faces:
        images, labels = images[:args.faces], labels[:args.faces]
    if not len(labels):
        raise ValueError(f"{dataset.caption} has no test faces to check the exported files on")
    table = compare_formats(model, files, images, labels, keras_file=keras_file)
    print(f"\n{name} on {len(labels):,} test faces of {dataset.caption}"
          f"{f' (int8 ranges from {len(calibration)} training faces)' if calibration is not None else ''}:")
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round({"max |Δp|": 4, "top-1 agreement": 4, "accuracy": 4, "images/s (batch)": 0,
                           "ms per face (one at a time)": 2}).to_string())
    return 0


def publish(args) -> int:
    """Score a finished run on the data it was trained on and write it, with its card
    and training log, as the reference model (:func:`fer_utils.studies.reference.publish`)."""
    from fer_utils.faces.reference import FOLDER
    from fer_utils.studies.reference import card_markdown, publish as publish_run

    folder = args.to or FOLDER
    record = publish_run(args.folder, data=args.data, folder=folder)
    print(f"published {record['run']} to {folder} ({record['file_bytes'] / 1e6:.1f} MB)\n")
    print(card_markdown(record))
    return 0


def _detector(args):
    """The face detector the options of ``predict`` and ``webcam`` ask for."""
    from fer_utils.faces.detection import DnnDetector, make_detector

    if args.dnn:
        return DnnDetector(args.dnn, args.dnn_config)
    if args.detector != "haar":
        return make_detector(args.detector, min_score=args.min_score)
    return HaarDetector(scale_factor=args.scale_factor, min_neighbors=args.min_neighbors,
                        min_size=args.min_size, min_eyes=args.min_eyes, max_side=args.max_side)


def _add_face_options(parser: argparse.ArgumentParser, haar: HaarDetector, detector: str = "haar") -> None:
    """The model and detector options ``predict``, ``webcam`` and ``video`` share,
    with ``detector`` and ``haar``'s settings as defaults."""
    parser.add_argument("--model", default="reference",
                        help="'reference' (the shipped model, the default), a .keras file, or one written by "
                             "export (.onnx: ONNX Runtime; .tflite: LiteRT)")
    parser.add_argument("--detector", choices=DETECTOR_NAMES, default=detector,
                        help=f"face detector: OpenCV's Haar cascade, or BlazeFace (learned, weights in the package; "
                             f"-full for small faces) (default {detector})")
    parser.add_argument("--min-score", type=float, default=0.5,
                        help="BlazeFace: smallest score of a face, 0..1 (0.5)")
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
                               help="only rebuild the book from report/build/notebooks/, or from the "
                                    "committed chapters when there are none (no execution)")
    report_parser.add_argument("--in-place", action="store_true",
                               help="execute the committed chapters in notebooks/ themselves (what a "
                                    "maintainer commits), then build the book from them")
    report_parser.add_argument("--hide-code", action="store_true", help="leave the code cells' input out")
    report_parser.add_argument("--name", default=BOOK_NAME, help=f"file name of the book (default {BOOK_NAME})")
    report_parser.add_argument("--plan", action="store_true",
                               help="run nothing: print each chapter's training runs, their estimated minutes on a "
                                    "2-core CPU, what is cached, the total, and the committed results apart")
    report_parser.add_argument("--json", action="store_true", help="with --plan: the plan as JSON")
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
    _add_face_options(predict_parser, HaarDetector(), "haar")
    predict_parser.set_defaults(run=predict)

    webcam_parser = commands.add_parser("webcam", help="label faces live in a camera or a video, print frames/s")
    source = webcam_parser.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, default=0, help="camera index (default 0)")
    source.add_argument("--video", help="a video file instead of a camera")
    webcam_parser.add_argument("--out", help="also write the labelled frames as a video (.mp4 or .avi, 25 frames/s)")
    webcam_parser.add_argument("--max-frames", type=int, help="stop after this many frames")
    webcam_parser.add_argument("--no-window", action="store_true", help="show nothing, only measure and print")
    _add_face_options(webcam_parser, WEBCAM_DETECTOR, "blazeface")
    webcam_parser.set_defaults(run=webcam)

    video_parser = commands.add_parser("video", help="a video's faces and emotions as a table (CSV), frame by frame")
    video_parser.add_argument("file", metavar="FILE", help="a video file (MP4, AVI, MKV, ...)")
    video_parser.add_argument("--csv", required=True, metavar="OUT",
                              help="write the table here: one row per face and frame")
    video_parser.add_argument("--every", type=int, default=1, help="read every n-th frame only (default 1: all)")
    video_parser.add_argument("--max-frames", type=int, help="stop after this many frames of the video")
    _add_face_options(video_parser, HaarDetector(), "blazeface")
    video_parser.set_defaults(run=video)

    export_parser = commands.add_parser("export", help="write a network as ONNX and TFLite (float, int8), "
                                                       "checked against Keras")
    export_parser.add_argument("model", nargs="?", default="reference", metavar="MODEL",
                               help="'reference' (the shipped model, the default) or a .keras file")
    export_parser.add_argument("--out", default="exported", help="folder for the files (default exported/)")
    export_parser.add_argument("--name", help="file name without suffix (default: 'reference' or the file's)")
    export_parser.add_argument("--formats", nargs="+", choices=EXPORT_FORMATS, default=list(EXPORT_FORMATS),
                               help="which files (default: all three)")
    export_parser.add_argument("--data", help="dataset CSV or folder for the int8 ranges and the check "
                                              "(default: $FER_DATA, data/, else the synthetic demo set)")
    export_parser.add_argument("--calibration", type=int, default=300,
                               help="training faces the int8 ranges are measured on (300)")
    export_parser.add_argument("--faces", type=int, help="check on the first N test faces only (default: all)")
    export_parser.add_argument("--no-check", action="store_true", help="only write the files")
    export_parser.set_defaults(run=export)

    publish_parser = commands.add_parser("publish", help="ship a finished training run as the reference model")
    publish_parser.add_argument("folder", metavar="RUN", help="the run's folder, artifacts/run-<model>-<key>")
    publish_parser.add_argument("--data", help="the dataset it was trained on (default: $FER_DATA, then data/)")
    publish_parser.add_argument("--to", help="where to write model.keras and its card (default: the package's "
                                             "fer_utils/faces/reference/)")
    publish_parser.set_defaults(run=publish)
    return parser


def describe_os_error(error: OSError) -> str:
    """Any ``OSError`` as one line naming its file (a :class:`~fer_utils.errors.StorageError` as it is)."""
    if isinstance(error, StorageError):
        return str(error)
    if error.filename is not None:
        return str(storage_error(error, os.fsdecode(error.filename), "use"))
    return error.strerror or str(error) or type(error).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; bad data, arguments, files or folders (a ``ValueError``,
    every error of :mod:`fer_utils.errors`, an ``OSError``) print one
    ``error: ...`` line naming the file and exit with 2, never a traceback."""
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ValueError as error:  # bad data or arguments
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # missing, unreadable or unwritable files and folders, full disks
        print(f"error: {describe_os_error(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: a run keeps its last committed epoch and resumes
        print("interrupted", file=sys.stderr)
        return 130
