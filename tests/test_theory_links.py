"""Does every link into the theory sheets land on a heading that exists?

Three sources of links are checked: the hints in the grader's source (any
string like ``theory/04-cnn.md#flipped-kernel``), the links between sheets,
and the anchors every chapter must have (one per exercise function and one per
named mistake, as the grader's hints expect).

Heading slugs follow Python-Markdown's ``toc`` extension, which the site uses
(and GitHub agrees for the headings we write): inline code backticks and
punctuation other than ``-`` and ``_`` dropped, lowercase, runs of spaces and
hyphens turned into one hyphen; a repeated slug gets ``_1``, ``_2``.
"""

import re
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
THEORY = ROOT / "theory"
GRADER_LINK = re.compile(r"theory/([\w.-]+\.md)#([\w-]+)")
MD_LINK = re.compile(r"\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)

GENERIC_MISTAKES = [
    "missing-half",
    "sum-not-mean",
    "sign-flipped",
    "transposed",
    "input-mutated",
    "not-finite",
    "wrong-axis",
]
REQUIRED = {
    "01-linear-regression.md": (
        ["predict", "mse_loss", "mse_gradients", "gd_step", "fit"],
        ["loss-after-update"],
    ),
    "02-logistic-regression.md": (
        ["sigmoid", "bce_loss", "bce_gradients", "fit", "predict"],
        ["loss-after-update", "naive-sigmoid"],
    ),
    "03-softmax-regression.md": (
        ["softmax", "cross_entropy", "cross_entropy_gradient"],
        ["naive-softmax"],
    ),
    "04-cnn.md": (
        [
            "relu_forward",
            "relu_backward",
            "dense_forward",
            "dense_backward",
            "conv2d_forward",
            "conv2d_backward",
            "maxpool2d_forward",
            "maxpool2d_backward",
            "cnn_loss_and_gradients",
        ],
        ["flipped-kernel", "pool-overwrite", "tie-duplicated", "flatten-order"],
    ),
    "05-rnn.md": (
        [
            "rnn_step_forward",
            "rnn_step_backward",
            "rnn_forward",
            "rnn_backward",
            "lstm_step_forward",
            "lstm_step_backward",
            "lstm_forward",
            "lstm_backward",
            "lstm_regression_loss_and_gradients",
        ],
        ["tanh-twice", "sigmoid-vs-tanh", "bptt-no-carry", "gate-order", "cell-path"],
    ),
    "06-optimizers.md": (
        ["sgd_step", "momentum_step", "adam_step"],
        ["no-bias-correction", "eps-inside-sqrt", "paper-epsilon"],
    ),
    "07-derivations.md": (
        [
            "squared_error_dw",
            "squared_error_db",
            "sigmoid_dz",
            "bce_dz",
            "tanh_da_from_output",
            "softmax_ce_dz1",
            "conv_output_size",
        ],
        [],
    ),
}


def slugify(text):
    """A heading's anchor, as Python-Markdown's toc computes it."""
    text = text.replace("`", "")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^\w\s-]", "", text).strip().lower()
    return re.sub(r"[-\s]+", "-", text)


def headings(sheet):
    """(level, text, slug) for each heading of a sheet, code blocks skipped."""
    text = FENCE.sub("", sheet.read_text(encoding="utf-8"))
    seen, found = set(), []
    for line in text.splitlines():
        match = HEADING.match(line)
        if not match:
            continue
        slug = base = slugify(match.group(2))
        counter = 0
        while slug in seen:
            counter += 1
            slug = f"{base}_{counter}"
        seen.add(slug)
        found.append((len(match.group(1)), match.group(2), slug))
    return found


def anchors(sheet_name):
    path = THEORY / sheet_name
    return {slug for _, _, slug in headings(path)} if path.exists() else None


def grader_links():
    """(file, line, sheet, anchor) for each theory link in the grader's source."""
    found = []
    for source in sorted((ROOT / "grader").rglob("*.py")):
        for number, line in enumerate(
            source.read_text(encoding="utf-8").splitlines(), 1
        ):
            for match in GRADER_LINK.finditer(line):
                found.append((f"{source.relative_to(ROOT)}:{number}", *match.groups()))
    return found


def test_grader_links_resolve():
    """Does every theory/<sheet>#<anchor> in the grader name an existing heading?"""
    broken = []
    for where, sheet, anchor in grader_links():
        known = anchors(sheet)
        if known is None:
            broken.append(f"{where}: theory/{sheet} does not exist")
        elif anchor not in known:
            broken.append(
                f"{where}: theory/{sheet} has no heading with anchor #{anchor}"
            )
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("sheet", sorted(REQUIRED))
def test_required_anchors_exist(sheet):
    """Does the sheet have a heading for each of its exercises and named mistakes?"""
    functions, specific = REQUIRED[sheet]
    found = {(text, slug) for _, text, slug in headings(THEORY / sheet)}
    missing = [
        f"### `{name}`"
        for name in functions + GENERIC_MISTAKES + specific
        if (f"`{name}`", name) not in found
    ]
    assert not missing, f"{sheet} lacks the heading(s): {missing}"


@pytest.mark.parametrize("sheet", sorted(REQUIRED))
def test_mistakes_are_under_common_mistakes(sheet):
    """Are the mistake headings inside the sheet's 'Common mistakes' section?"""
    section, inside = None, set()
    for level, text, slug in headings(THEORY / sheet):
        if level <= 2:
            section = text
        elif section == "Common mistakes":
            inside.add(slug)
    wanted = set(GENERIC_MISTAKES) | set(REQUIRED[sheet][1])
    assert wanted <= inside, (
        f"{sheet}: not under 'Common mistakes': {sorted(wanted - inside)}"
    )


def test_links_between_sheets_resolve():
    """Does every relative link in a sheet reach an existing file and heading?"""
    broken = []
    for sheet in sorted(THEORY.glob("*.md")):
        text = FENCE.sub("", sheet.read_text(encoding="utf-8"))
        for target in MD_LINK.findall(text):
            if re.match(r"[a-z]+:", target):
                broken.append(
                    f"{sheet.name}: external link {target} (sheets stay offline)"
                )
                continue
            path, _, anchor = target.partition("#")
            resolved = THEORY / path if path else sheet
            if not resolved.exists():
                broken.append(f"{sheet.name}: {target}: no file {path}")
            elif anchor and anchor not in anchors(resolved.name):
                broken.append(
                    f"{sheet.name}: {target}: no heading #{anchor} in {resolved.name}"
                )
    assert not broken, "\n".join(broken)


def test_headings_carry_no_math():
    """Are headings free of $...$, whose anchors would depend on the math renderer?"""
    with_math = [
        f"{sheet.name}: {text}"
        for sheet in sorted(THEORY.glob("*.md"))
        for _, text, _ in headings(sheet)
        if "$" in text
    ]
    assert not with_math, with_math


def test_slugify_matches_the_documented_rules():
    """Does slugify turn headings into the anchors the grader prints?"""
    assert slugify("`mse_gradients`") == "mse_gradients"
    assert slugify("`missing-half`") == "missing-half"
    assert (
        slugify("Convolution or cross-correlation?")
        == "convolution-or-cross-correlation"
    )
    assert (
        slugify("What tolerance does the grader use?")
        == "what-tolerance-does-the-grader-use"
    )


def test_grader_exercise_hints_resolve():
    """Do the grader's exercise links and mistake hints land on existing headings?

    The grader builds a mistake's hint as ``<exercise sheet>#<mistake id>`` at
    run time, which no grep of its source can see; this asks its specs.
    """
    spec = pytest.importorskip("grader.spec")
    if not hasattr(spec, "all_exercises"):
        pytest.skip("grader.spec has no all_exercises() to list the exercises")
    broken = []
    for exercise in spec.all_exercises():
        sheet_path, _, anchor = exercise.theory.partition("#")
        sheet = Path(sheet_path).name
        for wanted in [anchor, *getattr(exercise, "mistakes", ())]:
            known = anchors(sheet)
            if known is None or wanted not in known:
                broken.append(f"{exercise.full_name}: theory/{sheet}#{wanted}")
    assert not broken, "links with no heading to land on:\n" + "\n".join(broken)
