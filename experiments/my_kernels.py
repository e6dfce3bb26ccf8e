"""A user's own kernel for `ibc kernel --kernel py:experiments/my_kernels.py:rational_quadratic`
(README, "Your own data, models and kernels")."""

import jax.numpy as jnp


def rational_quadratic(x1, x2, bandwidth, alpha=1.0):
    """k(x, y) = (1 + |x - y|^2 / (2 alpha L^2))^(-alpha): a scale mixture of RBF kernels
    (Rasmussen & Williams 2006, eq. 4.19); alpha -> infinity gives the RBF kernel."""
    d2 = jnp.sum((x1[:, None, :] - x2[None, :, :]) ** 2, axis=-1)
    return (1.0 + d2 / (2.0 * alpha * bandwidth**2)) ** (-alpha)
