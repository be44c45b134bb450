"""Draw the figures of the theory sheets into theory/figures/.

Usage: python scripts/make_figures.py [--out DIR]

The output is byte-for-byte reproducible: fixed seeds, a fixed SVG hash salt,
no date or creator metadata. tests/test_theory_figures.py reruns this script
and compares with the committed files, so rerun it after changing a figure.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyArrowPatch, Rectangle  # noqa: E402

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "theory" / "figures"

STYLE = {
    "svg.hashsalt": "dl-math-kit",  # ids inside the SVG do not vary per run
    "svg.fonttype": "path",  # glyphs as paths: no dependence on installed fonts
    "font.family": "DejaVu Sans",  # shipped with matplotlib
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def save(fig, out, name):
    fig.savefig(
        out / name,
        format="svg",
        bbox_inches="tight",
        metadata={"Date": None, "Creator": None},
    )
    plt.close(fig)


def gd_learning_rates(out):
    """Gradient descent on L(w) = (a w1^2 + c w2^2)/2 for four learning rates."""
    a, c = 2.0, 0.25  # curvatures; GD diverges for lr > 2/a = 1
    start = np.array([-1.6, 1.8])
    grid = np.linspace(-2.2, 2.2, 200)
    W1, W2 = np.meshgrid(grid, grid)
    loss = 0.5 * (a * W1**2 + c * W2**2)

    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), sharey=True)
    for ax, lr in zip(axes, [0.1, 0.5, 0.95, 1.02], strict=True):
        w = start.copy()
        path = [w.copy()]
        for _ in range(25):
            w = w - lr * np.array([a * w[0], c * w[1]])
            path.append(w.copy())
        path = np.array(path)
        ax.contour(W1, W2, loss, levels=12, colors="0.75", linewidths=0.7)
        ax.plot(path[:, 0], path[:, 1], "o-", color="C3", markersize=3, linewidth=1)
        ax.plot(*start, "ks", markersize=5)
        ax.plot(0, 0, "k*", markersize=9)
        final = 0.5 * (a * path[-1, 0] ** 2 + c * path[-1, 1] ** 2)
        ax.set_title(
            f"learning rate {lr}\nloss after 25 steps: {final:.3g}", fontsize=9
        )
        ax.set_xlim(-2.2, 2.2)
        ax.set_ylim(-2.2, 2.2)
        ax.set_xlabel("$w_1$")
        ax.set_aspect("equal")
    axes[0].set_ylabel("$w_2$")
    fig.suptitle(
        "Gradient descent on a quadratic loss; it diverges for a learning rate above 1",
        fontsize=10,
    )
    save(fig, out, "gd_learning_rates.svg")


def sigmoid(out):
    z = np.linspace(-8, 8, 401)
    s = 1 / (1 + np.exp(-z))
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(z, s, color="C0", label=r"$\sigma(z) = 1/(1+e^{-z})$")
    ax.plot(z, s * (1 - s), color="C1", label=r"$\sigma'(z) = \sigma(z)(1-\sigma(z))$")
    ax.axhline(0.25, color="0.7", linestyle=":", linewidth=1)
    ax.annotate(
        "maximum 1/4 at z = 0",
        xy=(0, 0.25),
        xytext=(1.5, 0.4),
        arrowprops={"arrowstyle": "->", "color": "0.4"},
        fontsize=9,
    )
    ax.set_xlabel("z (logit)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(loc="upper left", frameon=False)
    ax.set_title("The sigmoid and its derivative")
    save(fig, out, "sigmoid.svg")


def conv_stride_padding(out):
    """A 3x3 kernel, stride 2, padding 1, over a 5x5 input: a 3x3 output."""
    size, pad, k, stride = 5, 1, 3, 2
    full = size + 2 * pad
    n_out = (size + 2 * pad - k) // stride + 1
    windows = [(0, 0, "C0"), (0, 1, "C1"), (1, 0, "C2")]

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8, 3.8), gridspec_kw={"width_ratios": [full, n_out + 1]}
    )
    for ax in (left, right):
        ax.set_aspect("equal")
        ax.axis("off")
    for i in range(full):
        for j in range(full):
            padded = i in (0, full - 1) or j in (0, full - 1)
            left.add_patch(
                Rectangle(
                    (j, full - 1 - i),
                    1,
                    1,
                    facecolor="0.93" if padded else "white",
                    edgecolor="0.6",
                    linewidth=0.8,
                )
            )
            if padded:
                left.text(
                    j + 0.5,
                    full - 0.5 - i,
                    "0",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="0.55",
                )
    for oi, oj, colour in windows:
        top, col = oi * stride, oj * stride
        left.add_patch(
            Rectangle(
                (col + 0.06, full - top - k + 0.06),
                k - 0.12,
                k - 0.12,
                fill=False,
                edgecolor=colour,
                linewidth=2.2,
            )
        )
    left.set_xlim(-0.2, full + 0.2)
    left.set_ylim(-0.2, full + 0.2)
    left.set_title(
        "input 5x5, padding 1 (grey zeros)\nkernel 3x3, stride 2", fontsize=9
    )

    for i in range(n_out):
        for j in range(n_out):
            colour = next((c for oi, oj, c in windows if (oi, oj) == (i, j)), None)
            right.add_patch(
                Rectangle(
                    (j, n_out - 1 - i),
                    1,
                    1,
                    facecolor="white",
                    edgecolor=colour or "0.6",
                    linewidth=2.2 if colour else 0.8,
                )
            )
            right.text(
                j + 0.5,
                n_out - 0.5 - i,
                f"y[{i},{j}]",
                ha="center",
                va="center",
                fontsize=7,
            )
    right.set_xlim(-0.5, n_out + 0.5)
    right.set_ylim(-2.0, n_out + 2.0)
    right.set_title("output 3x3\n(5 + 2*1 - 3) // 2 + 1 = 3", fontsize=9)
    save(fig, out, "conv_stride_padding.svg")


def rnn_unrolled(out):
    steps = 4
    fig, ax = plt.subplots(figsize=(9, 3.0))
    ax.axis("off")
    ax.set_xlim(-0.8, 2.2 * steps + 0.6)
    ax.set_ylim(-0.9, 2.6)

    def arrow(start, end, label=None, offset=(0, 0)):
        ax.add_patch(
            FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=12,
                color="0.25",
                linewidth=1.1,
            )
        )
        if label:
            ax.text(
                (start[0] + end[0]) / 2 + offset[0],
                (start[1] + end[1]) / 2 + offset[1],
                label,
                ha="center",
                va="center",
                fontsize=9,
                color="C3",
            )

    ax.text(-0.3, 1.0, "$h_0$", ha="center", va="center", fontsize=11)
    for t in range(1, steps + 1):
        x = 2.2 * t - 1.1
        ax.add_patch(
            Rectangle((x - 0.45, 0.6), 0.9, 0.8, facecolor="#e8f0fb", edgecolor="C0")
        )
        ax.text(x, 1.0, "tanh", ha="center", va="center", fontsize=9)
        ax.text(x, -0.6, f"$x_{t}$", ha="center", va="center", fontsize=11)
        ax.text(x, 2.35, f"$h_{t}$", ha="center", va="center", fontsize=11)
        arrow((x, -0.4), (x, 0.6), "$W_x$", offset=(0.3, 0))
        arrow((x, 1.4), (x, 2.15))
        arrow(
            (x - 1.75 if t > 1 else -0.1, 1.0),
            (x - 0.45, 1.0),
            "$W_h$",
            offset=(0, 0.22),
        )
    ax.text(
        2.2 * steps / 2,
        -0.95,
        "the same $W_x$, $W_h$, $b$ at every step; "
        "backpropagation follows the arrows in reverse",
        ha="center",
        fontsize=9,
    )
    save(fig, out, "rnn_unrolled.svg")


def rnn_gradient_norms(out):
    """Norm of dL/dh_t when the loss depends on the last state only."""
    rng = np.random.default_rng(0)
    hidden, steps = 16, 40
    q, _ = np.linalg.qr(rng.normal(size=(hidden, hidden)))  # orthogonal
    x = rng.normal(size=(steps, hidden)) * 0.5

    fig, ax = plt.subplots(figsize=(6, 3.4))
    for scale, colour in [(0.5, "C0"), (1.0, "C2"), (3.0, "C3")]:
        Wh = scale * q
        h = np.zeros(hidden)
        hs = []
        for t in range(steps):
            h = np.tanh(x[t] + h @ Wh)
            hs.append(h)
        dh = np.ones(hidden) / np.sqrt(hidden)
        norms = [np.linalg.norm(dh)]
        for t in range(steps - 1, 0, -1):
            dh = (dh * (1 - hs[t] ** 2)) @ Wh.T  # carry to step t - 1
            norms.append(np.linalg.norm(dh))
        ax.semilogy(
            range(steps, 0, -1),
            norms,
            color=colour,
            label=f"$W_h$ = {scale} x orthogonal",
        )
    ax.set_xlabel("time step t (the loss is at the last step)")
    ax.set_ylabel(r"$\|\partial L / \partial h_t\|$")
    ax.invert_xaxis()
    ax.legend(frameon=False, fontsize=8)
    ax.set_title("Gradient norms through time in a tanh RNN")
    save(fig, out, "rnn_gradient_norms.svg")


FIGURES = [
    gd_learning_rates,
    sigmoid,
    conv_stride_padding,
    rnn_unrolled,
    rnn_gradient_norms,
]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(STYLE):
        for figure in FIGURES:
            figure(args.out)


if __name__ == "__main__":
    main()
