# Exercises generated from solutions/optimizers.py by `python -m grader stubs`.
# Replace each `raise NotImplementedError` with your code, then run
# `pytest exercises/` to see what is right and what is not.
"""Chapter 6 - optimizers: one update step each, with Keras' conventions.

Theory: theory/06-optimizers.md. ``param`` and ``grad`` may have any shape P;
every state array has the shape of its parameter. No function changes its
arguments: each returns new arrays.
"""

import numpy as np


def sgd_step(param, grad, lr):
    """One step of plain stochastic gradient descent.

    Parameters
    ----------
    param : ndarray of shape P
    grad : ndarray of shape P
        dL/dparam.
    lr : float
        Learning rate.

    Returns
    -------
    param : ndarray of shape P
        param - lr * grad, a new array.

    Notes
    -----
    As ``tf.keras.optimizers.SGD(learning_rate=lr)``.
    See theory/06-optimizers.md#sgd_step.
    """
    raise NotImplementedError("optimizers.sgd_step: not implemented yet")


def momentum_step(param, grad, velocity, lr, momentum):
    """One step of SGD with momentum, in Keras' form.

    Parameters
    ----------
    param : ndarray of shape P
    grad : ndarray of shape P
    velocity : ndarray of shape P
        The velocity returned by the previous step (zeros before the first).
    lr : float
        Learning rate.
    momentum : float
        How much of the previous velocity is kept, in [0, 1).

    Returns
    -------
    param : ndarray of shape P
        param + velocity (the new velocity).
    velocity : ndarray of shape P
        momentum * velocity - lr * grad.

    Notes
    -----
    As ``tf.keras.optimizers.SGD(learning_rate=lr, momentum=momentum)``. The
    velocity already holds the -lr, so it is added to the parameter.
    See theory/06-optimizers.md#momentum_step.
    """
    raise NotImplementedError("optimizers.momentum_step: not implemented yet")


def adam_step(param, grad, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-7):
    """One step of Adam, exactly as ``tf.keras.optimizers.Adam`` takes it.

    Parameters
    ----------
    param : ndarray of shape P
    grad : ndarray of shape P
    m : ndarray of shape P
        First-moment estimate from the previous step (zeros before the first).
    v : ndarray of shape P
        Second-moment estimate from the previous step (zeros before the first).
    t : int
        Number of this step, counting from 1.
    lr, beta1, beta2, eps : float
        Keras' defaults.

    Returns
    -------
    param : ndarray of shape P
    m : ndarray of shape P
        beta1 * m + (1 - beta1) * grad.
    v : ndarray of shape P
        beta2 * v + (1 - beta2) * grad^2.

    Notes
    -----
    param - lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps).
    The bias corrections are folded into the step size, so eps is added to
    sqrt(v) before the correction; the paper adds it to sqrt(v_hat) after.
    The two agree unless sqrt(v) is as small as eps, i.e. for tiny gradients.
    See theory/06-optimizers.md#adam_step.
    """
    raise NotImplementedError("optimizers.adam_step: not implemented yet")
