"""An independent high-precision oracle for the bound: the method.md formulas, written directly in
mpmath at 60 significant digits (no log-space tricks, no shared code with the package)."""

from mpmath import binomial, factorial, floor, gamma, log, loggamma, mp, mpf, pi, sqrt

mp.dps = 60


def general(eps, n, m, R, P, delta, D, B, *, integer_degree=False):
    eps, n, m, R, P, delta, D, B = map(mpf, (eps, n, m, R, P, delta, D, B))
    M = 2 * pi * R / delta
    K = (sqrt((m - 1) ** 2 + 4 * M**2) - (m - 1)) / 2
    if integer_degree:
        K = floor(K)
    E = binomial(m + K, m) + binomial(m + K - 1, m)
    Lf = K * sqrt(D) / R
    lnW = (
        mpf("0.5") * log(m / 6)
        + (log(2) + (m + 1) / 2 * log(pi) + log(P) - loggamma((m + 1) / 2)) / m
        + log(R)
        - log(n) / m
    )
    dim = 2 * D * P * E
    bracket = log(B, 2) + log(D, 2) / 2 + log(P, 2) / 2 - log(eps, 2) + log(Lf, 2) + lnW / log(2)
    return (dim - n * D) * bracket


def classification(n, m, R, delta, C, eps, **kw):
    return general(eps, n, m, R, C, delta, C - 1, 1, **kw)


def rl(m, D, n, delta, eps):
    m, D, n, delta, eps = map(mpf, (m, D, n, delta, eps))
    V = pi ** (m / 2) * (2 * pi / delta) ** m / gamma(m / 2 + 1)
    bracket = (
        log(4 * pi**2 / sqrt(6), 2)
        + log(D, 2)
        + log(m, 2) / 2
        - log(delta, 2)
        - log(n, 2) / m
        - log(eps, 2)
    )
    return D * (2 * V - n) * bracket


def cartpole(T, n=10000, delta="0.001", eps="0.001"):
    """The paper's cart-pole formula, written separately from the torus form."""
    n, delta, eps = mpf(n), mpf(delta), mpf(eps)
    count = 2 * pi**T * (2 * pi / delta) ** (2 * T) / factorial(T)
    bracket = (
        log(4 * pi**2 / sqrt(3), 2)
        + log(T, 2) / 2
        - log(delta, 2)
        - log(n, 2) / (2 * T)
        - log(eps, 2)
    )
    return (count - n) * bracket


def omniglot(
    alphabet_sizes,
    ways=20,
    drawers=20,
    m0=22,
    m1=29,
    R="49.4064773081425",
    delta="5.477225575051661",
    eps="0.01",
):
    R, delta = mpf(R), mpf(delta)
    M0 = 2 * pi * R / delta
    K0 = (sqrt((m0 - 1) ** 2 + 4 * M0**2) - (m0 - 1)) / 2
    E0 = binomial(m0 + K0, m0) + binomial(m0 + K0 - 1, m0)
    dim_g = 2 * ways * (ways - 1) * E0
    n = sum(binomial(c, ways) for c in alphabet_sizes) * mpf(drawers) ** ways
    return general(
        eps, n, m1 + (ways - 1) * m0, R * sqrt(ways), 1, delta, dim_g, sqrt(ways * (ways - 1))
    )
