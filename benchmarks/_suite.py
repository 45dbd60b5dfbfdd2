"""The method suite that ``office31.py`` and ``scaling.py`` run (not part of tlearn).

What lives here:

- the data sets of the suite (Office-31, Office-Caltech-10, Amazon reviews and
  synthetic ``make_domain_shift`` tasks), their tasks and their standard
  preprocessing, and the message shown when the data cannot be had;
- the fixed hyper-parameters of every method and their sources;
- one cell of the grid: one method of one library fitted on one task (and one
  few-label seed), scored on the target test rows. A cell depends only on its
  description, the task's arrays and the settings, never on the process that
  runs it, so a parallel run gives the results of the sequential one.

Two protocols:

- unsupervised (source-only, TCA, SA, CORAL, KMM): the whole source domain is
  labelled, the whole target domain is unlabelled in ``fit`` and is the test
  set; one fit per task (every method is deterministic);
- few labels (source-only, target-only, pooled, TrAdaBoost, the shared-prior
  logistic regression): ``K`` target rows per class are labelled, drawn by
  seed; every other target row is a test row (its features are unlabelled
  target rows in ``fit``, its label only scores).
"""

from __future__ import annotations

import contextlib
import io
import time
import warnings

import numpy as np
from _common import (
    AMAZON_DOMAINS,
    AMAZON_TASKS,
    C_GRID,
    OFFICE31_DOMAINS,
    OFFICE31_TASKS,
    OFFICE_CALTECH_DOMAINS,
    OFFICE_CALTECH_TASKS,
    best_of,
    cv_folds,
    cv_scores,
    row_sum_zscore,
    split_target,
    task_letters,
    zscore_pooled,
)

# ============================================================================ data sets

DATASETS = ("office31", "office-caltech10", "amazon-review", "synthetic")
TITLES = {
    "office31": "Office-31",
    "office-caltech10": "Office-Caltech-10 (SURF-800)",
    "amazon-review": "Amazon reviews (400-d)",
    "synthetic": "synthetic make_domain_shift tasks",
}

#: Synthetic tasks: name -> (shift, strength). Four kinds of shift, three strengths each
#: (the prior and subspace strengths are smaller: at 3 the rarest prior class nearly
#: vanishes and the subspace rotation passes 90 degrees).
SYNTHETIC_TASKS = {
    "cov-1": ("covariate", 1.0),
    "cov-2": ("covariate", 2.0),
    "cov-3": ("covariate", 3.0),
    "pri-0.5": ("prior", 0.5),
    "pri-1": ("prior", 1.0),
    "pri-1.5": ("prior", 1.5),
    "con-1": ("conditional", 1.0),
    "con-2": ("conditional", 2.0),
    "con-3": ("conditional", 3.0),
    "sub-0.5": ("subspace", 0.5),
    "sub-1": ("subspace", 1.0),
    "sub-1.5": ("subspace", 1.5),
}
SYNTHETIC = {"n_features": 200, "n_classes": 3, "n_per_domain": 500, "noise": 0.1, "seed": 0}

TASKS = {
    "office31": OFFICE31_TASKS,
    "office-caltech10": OFFICE_CALTECH_TASKS,
    "amazon-review": AMAZON_TASKS,
    "synthetic": tuple(SYNTHETIC_TASKS),
}

PREPROCESSING = {
    "surf": "each row divided by its sum, then every feature z-scored within its own domain "
    "(ddof=1, MATLAB's zscore; the target statistics over all its rows), as the SURF papers",
    "decaf": "every feature z-scored within its own domain (ddof=1; no row sum: activations "
    "are not counts)",
    "amazon-review": "every feature z-scored with the mean and std (ddof=1) of the pooled "
    "source + target rows of the task (constant features left at 0), as kmm_amazon.py and "
    "parameter_learning_curves.py; the stored rows already sum to 1",
    "synthetic": "none (make_domain_shift's features are already on a unit scale)",
}


class NoData(Exception):
    """The data of the chosen data set cannot be had (``missing``) or read (not ``missing``)."""

    def __init__(self, message, missing=True):
        super().__init__(message)
        self.missing = missing


def zscore(X):
    """Z-score every feature of one domain (ddof=1; a constant feature becomes 0)."""
    X = np.asarray(X, dtype=np.float64)
    std = X.std(axis=0, ddof=1)
    std[std == 0] = 1.0
    return (X - X.mean(axis=0)) / std


def required_files(dataset, tasks, feature="surf"):
    """The data files ``dataset`` needs for ``tasks``: :class:`tlearn.datasets.DataFile` s."""
    from tlearn.datasets import data_files

    if dataset == "office31":
        return data_files("office31", feature=feature)
    if dataset == "office-caltech10":
        names = [OFFICE_CALTECH_DOMAINS[x] for x in task_letters(tasks)]
        return data_files("office_caltech10", names)
    if dataset == "amazon-review":
        return data_files("amazon_review", [AMAZON_DOMAINS[x] for x in task_letters(tasks)])
    return []


def no_data_message(dataset, tasks, feature, error, script="benchmarks/office31.py"):
    """What to tell a user whose data cannot be loaded: which files, where, and the way out."""
    import os

    from tlearn.datasets import get_data_home

    home_env = os.environ.get("TLEARN_DATA_HOME", "")
    mirror = os.environ.get("TLEARN_DATA_MIRROR", "").strip()
    try:
        home = get_data_home()
    except OSError:  # cannot even create it
        home = None
    what = TITLES[dataset]
    if dataset == "office31":
        what += f" ({'SURF' if feature == 'surf' else 'DeCAF'} features)"
    if not getattr(error, "missing", True):
        return (
            f"error: the {what} files could not be read: {error}\n\n"
            f"`python {script} --dataset synthetic` runs the same grid with no data file."
        )
    lines = [f"error: the {what} data are not available on this machine.", ""]
    lines.append("Get these files (SHA-256 checked by the loader) and put them in the data home:")
    for remote in required_files(dataset, tasks, feature):
        where = f"{home}/{remote.relative_path}" if home else f"<data home>/{remote.relative_path}"
        present = home is not None and (home / remote.relative_path).is_file()
        lines += [
            f"  - {remote.relative_path}{'  (present)' if present else ''}",
            f"      put it at {where}",
            f"      SHA-256 {remote.sha256}",
            f"      public copy: {remote.url}",
        ]
    lines += [
        "",
        "The data home is the environment variable TLEARN_DATA_HOME "
        + (f"(now {home_env!r})" if home_env else "(not set: ~/tlearn_data is used)")
        + ". Or point TLEARN_DATA_MIRROR at a copy (a base URL: http://, https:// or file://) "
        "laid out as <mirror>/<folder>/<file>, e.g. TLEARN_DATA_MIRROR=file:///path/to/data; "
        "the files are then fetched from there"
        + (f" (now {mirror!r}, which does not hold them)." if mirror else "."),
        "",
        f"What the loader said: {error}",
        "",
        f"No data at hand? `python {script} --dataset synthetic` runs the same grid of methods "
        "on synthetic make_domain_shift tasks, with no download.",
    ]
    return "\n".join(lines)


def _fetch(loader, *args, **kwargs):
    """Call a tlearn loader; a missing, corrupted or unreadable file becomes :class:`NoData`."""
    from tlearn.datasets import ChecksumError, DatasetUnavailableError

    try:
        return loader(*args, return_X_y=True, **kwargs)
    except DatasetUnavailableError as exc:
        raise NoData(f"{type(exc).__name__}: {exc}") from exc
    except (ChecksumError, ValueError, FileExistsError) as exc:  # there, but not usable
        raise NoData(f"{type(exc).__name__}: {exc}", missing=False) from exc


def _load_shipped(domain):
    """The Office-Caltech-10 copy shipped with tlearn; a damaged install becomes NoData."""
    from tlearn.datasets import load_office_caltech10

    try:
        return load_office_caltech10(domain, return_X_y=True)
    except (ValueError, OSError) as exc:  # ChecksumError is a ValueError
        raise NoData(f"{type(exc).__name__}: {exc}", missing=False) from exc


#: ``data_info["source"]`` of Office-Caltech-10: the shipped copy or the data home.
SHIPPED, DATA_HOME = "shipped", "data home"
SOURCE_TEXT = {
    SHIPPED: "the Office-Caltech-10 SURF copy shipped with tlearn "
    "(tlearn.datasets.load_office_caltech10)",
    DATA_HOME: "downloaded or found in the data home (tlearn.datasets.fetch_office_caltech10)",
}


def load_tasks(
    dataset,
    tasks,
    *,
    feature="surf",
    decaf_layer="fc8",
    rows=None,
    n_synthetic=None,
    office_caltech="auto",
):
    """``({task: {"Xs", "ys", "Xt", "yt"}}, info)``, preprocessed; :class:`NoData` if missing.

    ``rows``: subsample every domain to that many rows (seed 0), for smoke runs.
    ``n_synthetic``: rows per domain of the synthetic tasks (default 500).
    ``office_caltech``: where Office-Caltech-10 comes from: ``"auto"`` (the data home or a
    download, else the copy shipped with tlearn) or ``"shipped"`` (that copy, no download);
    ``info["source"]`` and ``info["files"]`` say which was used.
    """
    payloads = {}
    if dataset == "synthetic":
        from tlearn.datasets import make_domain_shift

        n = n_synthetic or SYNTHETIC["n_per_domain"]
        for task in tasks:
            shift, strength = SYNTHETIC_TASKS[task]
            X, y, sd = make_domain_shift(
                shift,
                n_source=n,
                n_target=n,
                n_features=SYNTHETIC["n_features"],
                n_classes=SYNTHETIC["n_classes"],
                strength=strength,
                noise=SYNTHETIC["noise"],
                mask_target_labels=False,
                random_state=SYNTHETIC["seed"],
            )
            s = sd >= 0
            payloads[task] = {"Xs": X[s], "ys": y[s], "Xt": X[~s], "yt": y[~s]}
        return payloads, {"preprocessing": PREPROCESSING["synthetic"], "rows_per_domain": n}

    if office_caltech not in ("auto", SHIPPED):
        raise ValueError(f"office_caltech must be 'auto' or 'shipped', got {office_caltech!r}")
    letters = task_letters(tasks)
    domains = {}
    if dataset == "office31":
        from tlearn.datasets import fetch_office31

        for x in letters:
            X, y = _fetch(
                fetch_office31, OFFICE31_DOMAINS[x], feature=feature, decaf_layer=decaf_layer
            )
            domains[x] = (X, y)
    elif dataset == "office-caltech10":
        from tlearn.datasets import fetch_office_caltech10

        source, files = DATA_HOME, SOURCE_TEXT[DATA_HOME]
        try:
            if office_caltech == SHIPPED:
                raise NoData("the shipped copy was asked for")
            for x in letters:
                domains[x] = _fetch(fetch_office_caltech10, OFFICE_CALTECH_DOMAINS[x])
        except NoData as exc:
            if not exc.missing:
                raise
            domains = {x: _load_shipped(OFFICE_CALTECH_DOMAINS[x]) for x in letters}
            source, files = SHIPPED, SOURCE_TEXT[SHIPPED]
            if office_caltech != SHIPPED:
                files += ", since they could not be downloaded"
    elif dataset == "amazon-review":
        from tlearn.datasets import fetch_amazon_review

        for x in letters:
            domains[x] = _fetch(fetch_amazon_review, AMAZON_DOMAINS[x])
    else:
        raise ValueError(f"unknown data set {dataset!r}")

    if rows:
        rng = np.random.RandomState(0)
        for x in letters:
            X, y = domains[x]
            keep = np.sort(rng.choice(X.shape[0], min(rows, X.shape[0]), replace=False))
            domains[x] = (X[keep], y[keep])
    if dataset == "office31":
        prep = row_sum_zscore if feature == "surf" else zscore
        domains = {x: (prep(X), y) for x, (X, y) in domains.items()}
        text = PREPROCESSING[feature]
    elif dataset == "office-caltech10":
        domains = {x: (row_sum_zscore(X), y) for x, (X, y) in domains.items()}
        text = PREPROCESSING["surf"]
    else:
        text = PREPROCESSING["amazon-review"]
    for task in tasks:
        (Xs, ys), (Xt, yt) = domains[task[0]], domains[task[-1]]
        if dataset == "amazon-review":
            Xs, Xt = zscore_pooled(np.asarray(Xs, float), np.asarray(Xt, float))
        payloads[task] = {"Xs": Xs, "ys": ys, "Xt": Xt, "yt": yt}
    info = {
        "preprocessing": text,
        "rows_per_domain": {x: int(X.shape[0]) for x, (X, _) in domains.items()},
    }
    if dataset == "office-caltech10":
        info["source"] = source
        info["files"] = files
    return payloads, info


# ============================================================================ methods

UNSUPERVISED = ("source-only", "TCA", "SA", "CORAL", "KMM", "guard")
FEW_LABEL = (
    "source-only",
    "target-only",
    "pooled",
    "TrAdaBoost",
    "TrAdaBoost (proba)",
    "shared prior",
)
#: The methods that use source data: below source-only they show negative transfer.
TRANSFER = (
    "guard",
    "TCA",
    "SA",
    "CORAL",
    "KMM",
    "pooled",
    "TrAdaBoost",
    "TrAdaBoost (proba)",
    "shared prior",
)
#: (protocol, method) -> the peers' libraries that have it; baselines are the same
#: scikit-learn fit in every library, so they are run once (tlearn).
PEER_METHODS = {
    ("unsupervised", "TCA"): ("skada", "adapt"),
    ("unsupervised", "SA"): ("skada", "adapt"),
    ("unsupervised", "CORAL"): ("skada", "adapt"),
    ("unsupervised", "KMM"): ("skada", "adapt"),
    ("few-label", "TrAdaBoost"): ("adapt",),
    ("few-label", "shared prior"): ("adapt",),
}
PEER_CLASSES = {
    ("skada", "TCA"): "skada.TransferComponentAnalysis",
    ("skada", "SA"): "skada.SubspaceAlignment",
    ("skada", "CORAL"): "skada.CORAL",
    ("skada", "KMM"): "skada.KMMReweight",
    ("adapt", "TCA"): "adapt.feature_based.TCA",
    ("adapt", "SA"): "adapt.feature_based.SA",
    ("adapt", "CORAL"): "adapt.feature_based.CORAL",
    ("adapt", "KMM"): "adapt.instance_based.KMM",
    ("adapt", "TrAdaBoost"): "adapt.instance_based.TrAdaBoost",
    ("adapt", "shared prior"): "adapt.parameter_based.RegularTransferLC",
}
PEER_MODULES = {"skada": "skada", "adapt": "adapt"}

#: reg grid of the shared prior (the grid of parameter_learning_curves.py).
REG_GRID = tuple(float(r) for r in np.logspace(-2, 4, 7))


def default_settings(labels_per_class=3, seeds=(0, 1, 2, 3, 4), blas_threads=1):
    """Every fixed hyper-parameter, with where it comes from."""
    return {
        "classifier": "LogisticRegression(C, max_iter=1000) for every method (the base "
        "learner of TrAdaBoost and KMM, the final classifier of TCA, SA and CORAL, the prior "
        "of the shared prior)",
        "C_grid": list(C_GRID),
        "tca_kernel": "linear",
        "tca_n_components": 100,
        "tca_mu": 1.0,
        "sa_n_components": 30,
        "coral_reg": 1.0,
        "kmm_kernel": "rbf",
        "kmm_B": 1000.0,
        "tradaboost_n_estimators": 20,
        "reg_grid": list(REG_GRID),
        "target_only_C_fixed": 1.0,
        "labels_per_class": int(labels_per_class),
        "seeds": [int(s) for s in seeds],
        "blas_threads": blas_threads,
        "sources": {
            "C": "5-fold stratified cross-validation on the task's source rows alone "
            "(_common.choose_C: grid " + ", ".join(f"{c:g}" for c in C_GRID) + ", ties to "
            "the smaller C), once per source domain (per task for Amazon and synthetic, whose "
            "preprocessing or data depend on the task); no target label is used; the same C "
            "for every method of the task",
            "tca": "linear kernel, n_components = 100 (the JDA paper's k for Office+Caltech), "
            "mu = 1, as feature_office_caltech.py (its linear-TCA 1-NN row reproduces the "
            "published 43.6)",
            "sa": "n_components = 30, as feature_office_caltech.py",
            "coral": "lambda = 1, the CORAL paper's ridge, as feature_office_caltech.py",
            "kmm": "rbf kernel, gamma by the median heuristic on the task's pooled source + "
            "target rows (tlearn's median_heuristic_gamma, 1,000-row subsample seeded 0; target "
            "features only, no label), B = 1000, eps = (sqrt(n_s) - 1) / sqrt(n_s): Huang et "
            "al.'s values, as kmm_amazon.py and instance_office_caltech.py",
            "guard": "TransferGuard(LogisticRegression(C), random_state=0), its defaults "
            "otherwise: default_candidates() (source-only, CORAL, SA, linear TCA, KMM, the "
            "discriminative ratio, small grids), 3 SourceShuffleSplit folds, importance-"
            "weighted validation (IWCV), SourceOnly unless the best gain is above its "
            "standard error",
            "tradaboost": "20 rounds (tlearn's default), as instance_office_caltech.py; "
            "TrAdaBoost with hypothesis='label' (tlearn's default: the paper's 0/1 loss and a "
            "vote of labels), TrAdaBoost (proba) with hypothesis='proba' (the loss "
            "1 - p(true class) and a vote of probabilities)",
            "target_only": "C by cross-validation inside the labelled target rows over the C "
            "grid (ties to the smaller C); with one label in some class, C = 1",
            "shared_prior": "prior = the source-only model (dict form); reg in "
            "logspace(-2, 4, 7) and penalize_intercept in {False, True} chosen together by "
            "cross-validation inside the labelled target rows (ties to the larger reg, then to "
            "pulled intercepts): the 'b by CV' row of parameter_learning_curves.py",
            "cv": "inside the labelled target rows only: leave-one-out when some class has one "
            "label, else StratifiedKFold(min(5, smallest class count), shuffle=True, "
            "random_state=seed); score = accuracy over the held-out rows",
            "split": "_common.few_label_split(y_target, K, seed), every class capped at "
            "min(K, n_c // 2) labelled rows so that it keeps test rows (as "
            "parameter_learning_curves.py)",
        },
        "peers": {
            "skada TCA": "TransferComponentAnalysis(clf, kernel='linear', n_components=100, "
            "mu=1/mu): SKADA solves (I + mu KLK)^-1 KHK, its mu is the inverse of the paper's",
            "skada SA": "SubspaceAlignment(clf, n_components=30, random_state=0)",
            "skada CORAL": "CORAL(clf, reg=lambda / (1 + lambda)): its reg is a shrinkage, the "
            "same map on unit-variance features",
            "skada KMM": "KMMReweight(clf.set_fit_request(sample_weight=True), kernel='rbf', "
            "gamma, B, eps) (Frank-Wolfe solver, its default)",
            "adapt TCA": "feature_based.TCA(clf, Xt, n_components=100, mu=1/mu, kernel='linear')",
            "adapt SA": "feature_based.SA(clf, Xt, n_components=30)",
            "adapt CORAL": "feature_based.CORAL(clf, Xt, lambda_=1)",
            "adapt KMM": "instance_based.KMM(clf, Xt, kernel='rbf', gamma, B, eps, "
            "max_size=n_s): one QP over all source rows, as tlearn",
            "adapt TrAdaBoost": "instance_based.TrAdaBoost(clf, Xt=labelled target rows, yt, "
            "n_estimators=20, lr=1)",
            "adapt shared prior": "parameter_based.RegularTransferLC(source-only model, "
            "lambda_) with lambda_ = 2 sqrt(reg) chosen on the same folds from the same grid "
            "(the mapping of parameter_learning_curves.py); it always pulls the intercept",
            "same for all": "the same C, gamma, B, eps, labelled rows, folds and test rows as "
            "tlearn; the baselines (source-only, target-only, pooled) are plain scikit-learn "
            "fits, the same in every library, so they run once",
        },
    }


def make_cells(tasks, seeds, peers=(), unsupervised=UNSUPERVISED, few_label=FEW_LABEL):
    """The grid: one dict per (task, protocol, method, library, seed)."""
    cells = []
    for task in tasks:
        for method in unsupervised:
            for library in ("tlearn", *PEER_METHODS.get(("unsupervised", method), ())):
                if library == "tlearn" or library in peers:
                    cells.append(
                        {
                            "task": task,
                            "protocol": "unsupervised",
                            "method": method,
                            "library": library,
                            "seed": None,
                        }
                    )
        for seed in seeds:
            for method in few_label:
                for library in ("tlearn", *PEER_METHODS.get(("few-label", method), ())):
                    if library == "tlearn" or library in peers:
                        cells.append(
                            {
                                "task": task,
                                "protocol": "few-label",
                                "method": method,
                                "library": library,
                                "seed": int(seed),
                            }
                        )
    return cells


def cell_key(cell):
    return (cell["task"], cell["protocol"], cell["method"], cell["library"], cell["seed"])


# ============================================================================ the source C


def choose_source_C(payload, settings=None):
    """``{"C": C, "C_cv_scores": {...}}``: 5-fold CV on the source rows alone."""
    from _common import choose_C
    from threadpoolctl import threadpool_limits

    limits = (settings or {}).get("blas_threads") or None
    with threadpool_limits(limits=limits), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of the largest C
        C, scores = choose_C(payload["Xs"], payload["ys"])
    return {"C": C, "C_cv_scores": scores}


def source_C_cell(cell, payload, settings):
    """:func:`choose_source_C` as a grid cell (``cell`` names the source, unused here)."""
    return choose_source_C(payload, settings)


# ============================================================================ one cell


def _lr(C):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=1000)


def _stack(Xs, ys, Xl, yl, Xu):
    """Source rows, then labelled target rows, then unlabelled target rows (label -1)."""
    from tlearn import stack_domains

    Xt = np.vstack([Xl, Xu])
    yt = np.concatenate([yl, np.full(Xu.shape[0], -1, dtype=np.asarray(ys).dtype)])
    return stack_domains(Xs, ys, Xt, yt)


def _kmm_params(Xs, Xt_all):
    from _common import kmm_default_eps as default_eps

    from tlearn.metrics import median_heuristic_gamma

    gamma = median_heuristic_gamma(np.vstack([Xs, Xt_all]), random_state=0)
    return gamma, default_eps(Xs.shape[0])


def fit_method(method, library, data, C, settings, seed=0):
    """Fit one method of one library; ``(predict function, info dict)``.

    ``data`` is ``(Xs, ys, Xl, yl, Xu)``: source rows, labelled target rows (none
    in the unsupervised protocol) and unlabelled target rows. The KMM gamma
    (median heuristic, a few milliseconds) is computed here, for every library
    the same value, so it is inside every library's fit time.
    """
    Xs, ys, Xl, yl, Xu = data
    s = settings
    info = {}
    if method == "target-only":
        folds, kind = cv_folds(yl, seed)
        if kind == "leave-one-out":  # some class has one label: no CV possible
            C_t, scores = s["target_only_C_fixed"], {}
        else:
            scores = cv_scores(lambda X, y, c: _lr(c).fit(X, y), s["C_grid"], Xl, yl, folds)
            C_t = best_of(scores, min)
        model = _lr(C_t).fit(Xl, yl)
        return model.predict, {"chosen": {"C": C_t}, "cv": kind}
    if method == "KMM":
        gamma, eps = _kmm_params(Xs, np.vstack([Xl, Xu]))
        info["kmm_gamma"] = gamma
    if method == "shared prior":
        source_model = _lr(C).fit(Xs, ys)
        folds, kind = cv_folds(yl, seed)
        info["cv"] = kind
        if library == "tlearn":
            from tlearn.parameter import SharedPriorLogisticRegression

            prior = {
                "coef": source_model.coef_,
                "intercept": source_model.intercept_,
                "classes": source_model.classes_,
            }

            def fit(X, y, key):
                reg, pulled = key
                return SharedPriorLogisticRegression(
                    reg=reg, prior=prior, penalize_intercept=pulled
                ).fit(X, y)

            grid = [(reg, pulled) for pulled in (False, True) for reg in s["reg_grid"]]
            scores = cv_scores(fit, grid, Xl, yl, folds)
            reg, pulled = best_of(scores, max)
            model = fit(Xl, yl, (reg, pulled))
            info["chosen"] = {"reg": reg, "penalize_intercept": pulled}
            return model.predict, info
        from adapt.parameter_based import RegularTransferLC

        def fit(X, y, reg):
            with contextlib.redirect_stdout(io.StringIO()):  # its fit prints yt.shape
                model = RegularTransferLC(
                    source_model, lambda_=2.0 * np.sqrt(reg), verbose=0, random_state=0
                )
                return model.fit(X, y)

        scores = cv_scores(fit, s["reg_grid"], Xl, yl, folds)
        reg = best_of(scores, max)
        model = fit(Xl, yl, reg)
        info["chosen"] = {"lambda_": 2.0 * np.sqrt(reg), "reg_equivalent": reg}
        return model.predict, info

    k_tca = s["tca_n_components"]
    if library == "tlearn":
        from tlearn.baselines import Pooled, SourceOnly
        from tlearn.feature import CORAL, TCA, SubspaceAlignment
        from tlearn.instance import KMM, TrAdaBoost
        from tlearn.model_selection import TransferGuard

        clf = _lr(C)
        model = {
            "source-only": lambda: SourceOnly(clf),
            "pooled": lambda: Pooled(clf),
            "TrAdaBoost": lambda: TrAdaBoost(
                clf, n_estimators=s["tradaboost_n_estimators"], hypothesis="label", random_state=0
            ),
            "TrAdaBoost (proba)": lambda: TrAdaBoost(
                clf, n_estimators=s["tradaboost_n_estimators"], hypothesis="proba", random_state=0
            ),
            "TCA": lambda: TCA(
                clf, n_components=k_tca, mu=s["tca_mu"], kernel="linear", random_state=0
            ),
            "SA": lambda: SubspaceAlignment(clf, n_components=s["sa_n_components"]),
            "CORAL": lambda: CORAL(clf, reg=s["coral_reg"]),
            "KMM": lambda: KMM(
                clf, kernel="rbf", gamma=gamma, max_weight=s["kmm_B"], eps=eps, random_state=0
            ),
            "guard": lambda: TransferGuard(clf, random_state=0),
        }[method]()
        X, y, sd = _stack(Xs, ys, Xl, yl, Xu)
        model.fit(X, y, sample_domain=sd)
        if method == "guard":
            info["chosen"] = {
                "candidate": model.selected_["candidate"],
                **model.selected_["params"],
            }
        return model.predict, info
    if library == "skada":
        import skada

        from tlearn import stack_domains

        clf = _lr(C)
        lam = s["coral_reg"]
        model = {
            "TCA": lambda: skada.TransferComponentAnalysis(
                clf, kernel="linear", n_components=k_tca, mu=1 / s["tca_mu"]
            ),
            "SA": lambda: skada.SubspaceAlignment(
                clf, n_components=s["sa_n_components"], random_state=0
            ),
            "CORAL": lambda: skada.CORAL(clf, reg=lam / (1 + lam)),
            "KMM": lambda: skada.KMMReweight(
                clf.set_fit_request(sample_weight=True),
                kernel="rbf",
                gamma=gamma,
                B=s["kmm_B"],
                eps=eps,
            ),
        }[method]()
        X, y, sd = stack_domains(Xs, ys, Xu)
        model.fit(X, y, sample_domain=sd)
        return model.predict, info  # no sample_domain: the rows are target rows
    if library == "adapt":
        from adapt import feature_based, instance_based

        clf = _lr(C)
        common = {"verbose": 0, "random_state": 0}
        if method == "TrAdaBoost":
            model = instance_based.TrAdaBoost(
                clf, Xt=Xl, yt=yl, n_estimators=s["tradaboost_n_estimators"], lr=1.0, **common
            )
            model.fit(Xs, ys)
            return model.predict, info
        model = {
            "TCA": lambda: feature_based.TCA(
                clf, Xt=Xu, n_components=k_tca, mu=1 / s["tca_mu"], kernel="linear", **common
            ),
            "SA": lambda: feature_based.SA(clf, Xt=Xu, n_components=s["sa_n_components"], **common),
            "CORAL": lambda: feature_based.CORAL(clf, Xt=Xu, lambda_=s["coral_reg"], **common),
            "KMM": lambda: instance_based.KMM(
                clf,
                Xt=Xu,
                kernel="rbf",
                gamma=gamma,
                B=s["kmm_B"],
                eps=eps,
                max_size=Xs.shape[0],
                **common,
            ),
        }[method]()
        model.fit(Xs, ys)
        return (lambda Z: model.predict(Z, domain="tgt")), info
    raise ValueError(f"unknown library {library!r}")


def run_cell(cell, payload, settings):
    """Fit and score one cell; a record (dict) with the accuracy, fit time and choices.

    Runs with the BLAS/OpenMP pools limited to ``settings["blas_threads"]``
    threads (``None``: left as they are), so that every backend computes the
    same numbers. A failure (e.g. of a peer) is a result: ``error`` holds it.
    """
    from threadpoolctl import threadpool_limits

    Xs, ys, Xt, yt = (payload[k] for k in ("Xs", "ys", "Xt", "yt"))
    record = dict(cell)
    if cell["protocol"] == "unsupervised":
        labelled, test = np.array([], dtype=int), np.arange(yt.shape[0])
    else:
        labelled, test = split_target(yt, settings["labels_per_class"], cell["seed"])
    Xl, yl = Xt[labelled], yt[labelled]
    # the unlabelled target rows passed to fit: every target row in the unsupervised
    # protocol, the test rows in the few-label one (their labels are never passed)
    Xu = Xt[test]
    record.update(
        C=payload["C"],
        n_source=int(Xs.shape[0]),
        n_labelled=int(labelled.size),
        n_test=int(test.size),
    )
    with (
        threadpool_limits(limits=settings.get("blas_threads") or None),
        warnings.catch_warnings(record=True) as caught,
    ):
        warnings.simplefilter("always")
        try:
            start = time.perf_counter()
            predict, info = fit_method(
                cell["method"],
                cell["library"],
                (Xs, ys, Xl, yl, Xu),
                payload["C"],
                settings,
                seed=cell["seed"] or 0,
            )
            record["fit_seconds"] = time.perf_counter() - start
            record["accuracy"] = 100.0 * float(np.mean(predict(Xu) == yt[test]))
            record.update(info)
            record["error"] = None
        except Exception as exc:  # a peer failing on a task is a result, not a crash
            record.update(
                fit_seconds=float("nan"),
                accuracy=float("nan"),
                error=f"{type(exc).__name__}: {str(exc)[:300]}",
            )
    record["warnings"] = sorted(
        {f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}" for w in caught}
    )
    return record
