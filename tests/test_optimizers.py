"""Chapter 6: are wrong optimizer steps rejected and named, right ones passed?"""

import numpy as np
import pytest

from grader import spec
from grader.grading import make_cases
from grader.oracles import tensorflow as tfo

WRONG = [
    (
        "sgd_step",
        "def sgd_step(param, grad, lr):\n    return param + lr * grad\n",
        "sign-flipped",
    ),
    (
        "sgd_step",
        """
def sgd_step(param, grad, lr):
    param -= lr * grad
    return param
""",
        "input-mutated",
    ),
    ("sgd_step", "def sgd_step(param, grad, lr):\n    return param - grad\n", None),
    (
        "momentum_step",
        """
def momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + lr * grad
    return param + velocity, velocity
""",
        "sign-flipped",
    ),
    (
        "momentum_step",
        """
def momentum_step(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + grad
    return param - lr * velocity, velocity
""",
        None,
    ),
    (
        "momentum_step",
        """
def momentum_step(param, grad, velocity, lr, momentum):
    velocity *= momentum
    velocity -= lr * grad
    return param + velocity, velocity
""",
        "input-mutated",
    ),
    (
        "momentum_step",
        """
def momentum_step(param, grad, velocity, lr, momentum):
    new_velocity = momentum * velocity - lr * grad
    return param + velocity, new_velocity
""",
        None,
    ),
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    return param - lr * m / (np.sqrt(v) + eps), m, v
""",
        "no-bias-correction",
    ),
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - alpha * m / np.sqrt(v + eps), m, v
""",
        "eps-inside-sqrt",
    ),
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
""",
        "paper-epsilon",
    ),
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - alpha * m / (np.sqrt(v) + eps), m, v
""",
        None,
    ),
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    t = t + 1  # as if t counted from 0
    alpha = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    return param - alpha * m / (np.sqrt(v) + eps), m, v
""",
        None,
    ),
]


@pytest.mark.parametrize(
    "name, code, mistake",
    WRONG,
    ids=[f"{n}-{m or 'unnamed'}-{k}" for k, (n, _, m) in enumerate(WRONG)],
)
def test_wrong_variant_is_rejected(variant, name, code, mistake):
    """Is a student-style wrong variant failed, with the mistake named?"""
    result = variant("optimizers", name, code)
    assert result.status == "fail", result.message
    assert result.diagnosis == mistake, result.message


def test_paper_epsilon_message_is_kind():
    """Does the paper-epsilon hint say the paper's Adam is fine, but not asked for?"""
    from grader.diagnoses import MISTAKES

    says = MISTAKES["paper-epsilon"].says
    assert "fine Adam" in says and "Keras' form" in says


def test_every_chapter_mistake_is_recognised():
    """Is each of this chapter's named mistakes shown on some wrong variant?"""
    wanted = {"no-bias-correction", "eps-inside-sqrt", "paper-epsilon"}
    assert wanted <= {mistake for _, _, mistake in WRONG}


def test_each_exercise_rejects_three_variants():
    """Does every exercise of the chapter have three wrong variants or more?"""
    counts = {e.name: 0 for e in spec.select(["optimizers"])}
    for name, _, _ in WRONG:
        counts[name] += 1
    assert min(counts.values()) >= 3, counts


DIFFERENT = [
    (
        "sgd_step",
        "def sgd_step(param, grad, lr):\n    return np.subtract(param, "
        "np.multiply(lr, grad))\n",
    ),
    (
        "momentum_step",
        """
def momentum_step(param, grad, velocity, lr, momentum):
    new_velocity = velocity.copy()
    new_velocity *= momentum
    new_velocity -= lr * grad
    return param + new_velocity, new_velocity
""",
    ),
    # the paper's form with eps scaled to match Keras: eps_hat = eps / sqrt(1 - b2^t)
    (
        "adam_step",
        """
def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    m = m + (1 - beta1) * (grad - m)
    v = v + (1 - beta2) * (grad * grad - v)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    eps_hat = eps / np.sqrt(1 - beta2**t)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps_hat), m, v
""",
    ),
]


@pytest.mark.parametrize(
    "name, code", DIFFERENT, ids=[f"{n}-{k}" for k, (n, _) in enumerate(DIFFERENT)]
)
def test_differently_written_variant_passes(variant, name, code):
    """Does a correct variant written another way pass?"""
    result = variant("optimizers", name, code)
    assert result.status == "pass", result.message


def test_cases_cover_tiny_gradients_and_defaults():
    """Do the Adam cases include |g| <= 1e-4 and a call with default arguments?"""
    (adam,) = spec.select(["optimizers.adam_step"])
    cases = make_cases(adam, 0)
    tiny = [c for c in cases if np.abs(c.inputs["grad"]).max() <= 1e-4]
    assert tiny and any(not c.kwargs for c in tiny)
    assert max(c.inputs["t"] for c in cases) >= 20


def test_float32_hyperparameters_would_drift():
    """Is the float64 Keras set-up needed: does Keras with plain Python floats
    drift from the float64 update by more than the tolerance?"""
    tf = tfo.tf()
    keras = tf.keras
    rng = np.random.default_rng(1)
    start, grads = rng.normal(size=8), rng.normal(size=(40, 8))
    param = tf.Variable(start)
    optimizer = keras.optimizers.SGD(learning_rate=0.05, momentum=0.9)
    for grad in grads:
        optimizer.apply_gradients([(tf.constant(grad), param)])
    expected, velocity = start.copy(), np.zeros(8)
    for grad in grads:
        velocity = 0.9 * velocity - 0.05 * grad
        expected = expected + velocity
    assert not np.allclose(param.numpy(), expected, rtol=1e-7, atol=1e-9)
