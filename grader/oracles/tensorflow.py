"""TensorFlow as a reference: forward ops in float64, gradients from GradientTape.

TensorFlow is imported on first use only, with its start-up logging silenced
(both variables are needed: one hides the C++ log lines, the other the oneDNN
notice), so that grading from the reference cache never pays for the import.
"""

from __future__ import annotations

import contextlib
import os

import numpy as np

_tf = None


def tf():
    """The ``tensorflow`` module, imported quietly on first use."""
    global _tf
    if _tf is None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
        import tensorflow

        _tf = tensorflow
    return _tf


def constant(value):
    return tf().constant(np.asarray(value, dtype=np.float64))


def variable(value):
    return tf().Variable(np.asarray(value, dtype=np.float64))


def gradients(function, inputs, output_gradient=None):
    """Gradients of ``function(*inputs)`` with respect to every input.

    With ``output_gradient`` (an upstream gradient of the output's shape), the
    result is the vector-Jacobian product, as a backward function returns it.
    """
    variables = [variable(x) for x in inputs]
    with tf().GradientTape() as tape:
        out = function(*variables)
    upstream = None if output_gradient is None else constant(output_gradient)
    grads = tape.gradient(out, variables, output_gradients=upstream)
    return tuple(
        np.zeros(np.shape(x)) if g is None else _numpy(g) for x, g in zip(inputs, grads)
    )


def _numpy(tensor):
    value = tensor.numpy()
    return float(value) if value.ndim == 0 else value


def numpy(tensor):
    """A tensor's value as NumPy: a ``float`` for a 0-d tensor."""
    return _numpy(tensor)


@contextlib.contextmanager
def keras_float64():
    """Build Keras objects in float64 inside this block, then restore floatx.

    A ``dtype="float64"`` layer still makes float32 losses, and an optimizer
    stores its learning rate as a float32 variable (0.01 becomes
    0.009999999776...), unless Keras' default float type is float64.
    """
    keras = tf().keras
    before, policy = keras.config.floatx(), keras.config.dtype_policy()
    # The global dtype policy is cached from floatx on first use, so a Keras
    # object built earlier in the process would pin it to float32: set both.
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    try:
        yield keras
    finally:
        keras.config.set_floatx(before)
        keras.config.set_dtype_policy(policy)
