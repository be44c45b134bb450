"""Chapter 3: are wrong student variants rejected and named, right ones passed?"""

import pytest

WRONG = [
    (
        "softmax",
        "def softmax(z):\n    e = np.exp(z)\n"
        "    return e / e.sum(axis=-1, keepdims=True)\n",
        "not-finite",
    ),
    (
        "softmax",
        """
def softmax(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)
""",
        "wrong-axis",
    ),
    (
        "softmax",
        "def softmax(z):\n    e = np.exp(z - z.max())\n    return e / e.sum()\n",
        None,
    ),
    (
        "softmax",
        """
def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return np.log(e / e.sum(axis=-1, keepdims=True))
""",
        None,
    ),
    (
        "cross_entropy",
        """
def cross_entropy(logits, labels):
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(labels)), labels])))
""",
        "not-finite",
    ),
    (
        "cross_entropy",
        """
def cross_entropy(logits, labels):
    p = softmax(logits)
    return float(-np.sum(np.log(p[np.arange(len(labels)), labels])))
""",
        "sum-not-mean",
    ),
    (
        "cross_entropy",
        """
def cross_entropy(logits, labels):
    p = softmax(logits)
    return float(-np.mean(np.log(p[:, labels])))
""",
        None,
    ),
    (
        "cross_entropy_gradient",
        """
def cross_entropy_gradient(logits, labels):
    d = softmax(logits)
    d[np.arange(len(labels)), labels] -= 1
    return d
""",
        "sum-not-mean",
    ),
    (
        "cross_entropy_gradient",
        """
def cross_entropy_gradient(logits, labels):
    d = -softmax(logits)
    d[np.arange(len(labels)), labels] += 1
    return d / len(labels)
""",
        "sign-flipped",
    ),
    (
        "cross_entropy_gradient",
        """
def cross_entropy_gradient(logits, labels):
    return softmax(logits) / len(labels)
""",
        None,
    ),
]


@pytest.mark.parametrize("name, code, mistake", WRONG)
def test_wrong_variant_is_rejected(variant, name, code, mistake):
    """Is a student-style wrong variant failed, with the mistake named?"""
    result = variant("softmax_regression", name, code)
    assert result.status == "fail", result.message
    assert result.diagnosis == mistake, result.message


RIGHT = [
    (
        "softmax",
        """
def softmax(z):
    from math import exp
    out = np.empty_like(z)
    for index in np.ndindex(z.shape[:-1]):
        row = z[index]
        m = max(row)
        e = [exp(v - m) for v in row]
        out[index] = np.array(e) / sum(e)
    return out
""",
    ),
    (
        "cross_entropy",
        """
def cross_entropy(logits, labels):
    lse = np.logaddexp.reduce(logits, axis=1)
    return float(np.mean(lse - logits[np.arange(len(labels)), labels]))
""",
    ),
    (
        "cross_entropy_gradient",
        """
def cross_entropy_gradient(logits, labels):
    one_hot = np.eye(logits.shape[1])[labels]
    return (softmax(logits) - one_hot) / logits.shape[0]
""",
    ),
]


@pytest.mark.parametrize("name, code", RIGHT)
def test_differently_written_variant_passes(variant, name, code):
    """Does a correct variant written another way pass?"""
    result = variant("softmax_regression", name, code)
    assert result.status == "pass", result.message
