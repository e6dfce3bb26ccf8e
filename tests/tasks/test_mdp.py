"""MDP tasks: dynamics against independent oracles, the LQR expert, rollouts, histories, specs."""

from __future__ import annotations

import dataclasses
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from ibcomplexity._validation import InputError
from ibcomplexity.bound import rl_bound
from ibcomplexity.tasks import load_task, mdp
from ibcomplexity.tasks.mdp import (
    CartPoleParams,
    PendulumParams,
    cartpole_derivatives,
    cartpole_step,
    mdp_dataset,
    pendulum_step,
    task_from_spec,
)
from ibcomplexity.workflows.rl import rl_bound_inputs

CP = CartPoleParams()
PD = PendulumParams()


# ---------------------------------------------------------------------------------------------
# Independent numpy oracles (float64)


def florian_numpy(s, force, p=CP, mu_c=0.0, mu_p=0.0):
    """Florian (2007), eqs. (21), (22) and (23) with cart friction mu_c and pole friction mu_p,
    transcribed from the paper (sgn(N_c x_dot) taken as +1; it only multiplies mu_c)."""
    _, x_dot, th, th_dot = s
    g, mc, mp, l = p.gravity, p.mass_cart, p.mass_pole, p.half_length
    M = mc + mp
    sgn = 1.0
    sin, cos = math.sin(th), math.cos(th)
    th_acc = (
        g * sin
        + cos * ((-force - mp * l * th_dot**2 * (sin + mu_c * sgn * cos)) / M + mu_c * g * sgn)
        - mu_p * th_dot / (mp * l)
    ) / (l * (4.0 / 3.0 - mp * cos / M * (cos - mu_c * sgn)))
    n_c = M * g - mp * l * (th_acc * sin + th_dot**2 * cos)
    x_acc = (force + mp * l * (th_dot**2 * sin - th_acc * cos) - mu_c * n_c * sgn) / M
    return np.array([x_dot, x_acc, th_dot, th_acc])


def lagrange_numpy(s, force, p=CP):
    """Euler-Lagrange equations of L = 1/2 M xd^2 + mp l cos(th) xd thd + 2/3 mp l^2 thd^2
    - mp g l cos(th), solved as a 2x2 mass-matrix system (no use of Florian's closed form)."""
    _, x_dot, th, th_dot = s
    g, mc, mp, l = p.gravity, p.mass_cart, p.mass_pole, p.half_length
    mass = np.array([[mc + mp, mp * l * math.cos(th)], [mp * l * math.cos(th), 4 / 3 * mp * l**2]])
    rhs = np.array([force + mp * l * th_dot**2 * math.sin(th), mp * g * l * math.sin(th)])
    x_acc, th_acc = np.linalg.solve(mass, rhs)
    return np.array([x_dot, x_acc, th_dot, th_acc])


def energy_numpy(s, p=CP):
    """Kinetic + potential energy of the cart and the uniform rod (half-length l)."""
    _, xd, th, thd = s
    mc, mp, l, g = p.mass_cart, p.mass_pole, p.half_length, p.gravity
    vx, vy = xd + l * math.cos(th) * thd, -l * math.sin(th) * thd
    kinetic = 0.5 * mc * xd**2 + 0.5 * mp * (vx**2 + vy**2) + 0.5 * (mp * l**2 / 3) * thd**2
    return kinetic + mp * g * l * math.cos(th)


def gym_pendulum_numpy(state, u, p=PD):
    """gym Pendulum-v1 ``step`` (gym/envs/classic_control/pendulum.py), transcribed."""
    th, thdot = state
    g, m, l, dt = p.gravity, p.mass, p.length, p.dt
    u = np.clip(u, -p.max_torque, p.max_torque)
    newthdot = thdot + (3 * g / (2 * l) * np.sin(th) + 3.0 / (m * l**2) * u) * dt
    newthdot = np.clip(newthdot, -p.max_speed, p.max_speed)
    newth = th + newthdot * dt
    return np.array([newth, newthdot])


def riccati_iteration(A, B, Q, R, tol=1e-13, max_iter=200_000):
    """Value iteration of the discrete Riccati recursion from P = Q to a fixed point."""
    P = Q.copy()
    for _ in range(max_iter):
        gain = np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A)
        P_new = Q + A.T @ P @ A - A.T @ P @ B @ gain
        if np.max(np.abs(P_new - P)) <= tol * np.max(np.abs(P_new)):
            P = P_new
            break
        P = P_new
    else:
        raise AssertionError("Riccati iteration did not converge")
    return np.linalg.solve(R + B.T @ P @ B, B.T @ P @ A), P


def random_states(n=50, seed=0):
    rng = np.random.default_rng(seed)
    s = rng.uniform([-2, -3, -math.pi, -4], [2, 3, math.pi, 4], size=(n, 4))
    f = rng.uniform(-10, 10, size=n)
    return s, f


# ---------------------------------------------------------------------------------------------
# Dynamics


def test_cartpole_matches_florian_and_lagrange():
    s, f = random_states()
    with jax.enable_x64(True):
        got = np.asarray(jax.vmap(cartpole_derivatives)(jnp.asarray(s), jnp.asarray(f)))
    for i in range(len(f)):
        np.testing.assert_allclose(got[i], florian_numpy(s[i], f[i]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(got[i], lagrange_numpy(s[i], f[i]), rtol=1e-10, atol=1e-10)


def test_florian_friction_terms_vanish_only_without_friction():
    # guards the oracle itself: friction changes the answer, so its zero limit is not vacuous
    s, f = random_states(5)
    assert not np.allclose(florian_numpy(s[0], f[0], mu_c=0.1), florian_numpy(s[0], f[0]))


def test_cartpole_step_is_euler_with_clipped_force():
    s, f = random_states()
    f = 3.0 * f  # half of them beyond +-10 N
    with jax.enable_x64(True):
        got = np.asarray(jax.vmap(cartpole_step)(jnp.asarray(s), jnp.asarray(f)))
    for i in range(len(f)):
        want = s[i] + CP.dt * florian_numpy(s[i], float(np.clip(f[i], -10, 10)))
        np.testing.assert_allclose(got[i], want, rtol=1e-12, atol=1e-12)


def test_cartpole_step_jit_and_vmap_agree_with_eager():
    s, f = random_states(8)
    s, f = s.astype(np.float32), f.astype(np.float32)
    eager = np.stack([np.asarray(cartpole_step(s[i], f[i])) for i in range(8)])
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(cartpole_step))(s, f)), eager, rtol=1e-6)


def test_cartpole_energy_rate_is_force_times_velocity():
    # dE/dt = grad E . f(s, F) = F x_dot exactly (no friction): 0 for F = 0
    s, f = random_states()

    def energy(state):
        _, xd, th, thd = state
        l, mp = CP.half_length, CP.mass_pole
        kin = 0.5 * CP.mass_cart * xd**2 + 0.5 * mp * (
            (xd + l * jnp.cos(th) * thd) ** 2 + (l * jnp.sin(th) * thd) ** 2 + l**2 / 3 * thd**2
        )
        return kin + mp * CP.gravity * l * jnp.cos(th)

    def rate(st, force):
        return jnp.dot(jax.grad(energy)(st), cartpole_derivatives(st, force))

    with jax.enable_x64(True):
        e = np.asarray(jax.jit(jax.vmap(energy))(jnp.asarray(s)))
        rates = jax.jit(jax.vmap(rate))
        free = np.asarray(rates(jnp.asarray(s), jnp.zeros(len(f))))
        forced = np.asarray(rates(jnp.asarray(s), jnp.asarray(f)))
    np.testing.assert_allclose(e, [energy_numpy(x) for x in s], rtol=1e-13)
    np.testing.assert_allclose(free, 0.0, atol=1e-11)
    np.testing.assert_allclose(forced, f * s[:, 1], rtol=1e-10, atol=1e-11)


def test_cartpole_euler_energy_drift_is_first_order_in_dt():
    # Explicit Euler is first order: with F = 0 the energy drift over a fixed horizon is O(dt),
    # small for small dt, and halves when dt halves.
    s0 = np.array([0.1, -0.3, 0.4, 1.0])

    def final_state(p, steps):
        def body(s, _):
            return cartpole_step(s, 0.0, p), None

        return np.asarray(jax.lax.scan(body, jnp.asarray(s0), None, steps)[0])

    drifts = []
    with jax.enable_x64(True):
        for dt in (1e-4, 5e-5):
            final = final_state(dataclasses.replace(CP, dt=dt), int(round(0.2 / dt)))
            drifts.append(abs(energy_numpy(final) - energy_numpy(s0)))
    e0 = energy_numpy(s0)
    assert drifts[0] < 1e-4 * abs(e0)
    assert drifts[0] / drifts[1] == pytest.approx(2.0, rel=0.05)


def test_pendulum_matches_gym_formula():
    rng = np.random.default_rng(1)
    s = rng.uniform([-math.pi, -9], [math.pi, 9], size=(60, 2))
    u = rng.uniform(-4, 4, size=60)  # some beyond the +-2 torque limit
    with jax.enable_x64(True):
        got = np.asarray(jax.vmap(pendulum_step)(jnp.asarray(s), jnp.asarray(u)))
    want = np.stack([gym_pendulum_numpy(s[i], u[i]) for i in range(60)])
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)
    assert np.any(np.abs(want[:, 1]) == PD.max_speed)  # the speed clip was exercised


# ---------------------------------------------------------------------------------------------
# LQR expert


def _cartpole_linear(p=CP):
    """A, B of the Euler step linearised upright, from the 2x2 mass matrix at theta = 0."""
    mp, l, g = p.mass_pole, p.half_length, p.gravity
    inv = np.linalg.inv(np.array([[p.mass_cart + mp, mp * l], [mp * l, 4 / 3 * mp * l**2]]))
    (a1, b1), (a2, b2) = inv @ np.array([[0.0, 1.0], [mp * g * l, 0.0]])  # columns: theta, F
    ac = np.array([[0, 1, 0, 0], [0, 0, a1, 0], [0, 0, 0, 1], [0, 0, a2, 0]], float)
    bc = np.array([[0.0], [b1], [0.0], [b2]])
    return np.eye(4) + p.dt * ac, p.dt * bc


def _pendulum_linear(p=PD):
    c, d, dt = 3 * p.gravity / (2 * p.length), 3 / (p.mass * p.length**2), p.dt
    return np.array([[1 + dt**2 * c, dt], [dt * c, 1.0]]), np.array([[dt**2 * d], [dt * d]])


@pytest.mark.parametrize(
    "name,linear", [("cartpole", _cartpole_linear), ("pendulum", _pendulum_linear)]
)
def test_lqr_gain_matches_riccati_iteration(name, linear):
    env, ex = mdp.environment(name), mdp.expert(name)
    A, B = linear()
    np.testing.assert_allclose(ex.A, A, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ex.B, B, rtol=1e-12, atol=1e-14)
    K, P = riccati_iteration(A, B, np.diag(env.Q), np.diag(env.R))
    np.testing.assert_allclose(ex.gain, K, rtol=1e-8)
    np.testing.assert_allclose(ex.P, P, rtol=1e-8)
    assert ex.closed_loop_spectral_radius < 1
    assert ex.as_dict()["gain_K"] == ex.gain.tolist()


@pytest.mark.parametrize("name,angle,bound", [("cartpole", 2, 3.0), ("pendulum", 0, 12.0)])
def test_expert_balances_and_no_control_falls(name, angle, bound):
    env, ex = mdp.environment(name), mdp.expert(name)
    key = jax.random.key(3)
    states, actions = mdp.rollout(key, env, ex, episodes=64, steps=500, init=env.init)
    theta = np.abs(np.asarray(states[..., angle]))
    assert theta.max() < math.radians(bound)  # within a few degrees throughout
    assert theta[:, -1].max() < math.radians(0.1)  # and settled
    assert np.abs(np.asarray(actions)).max() <= env.max_action
    # the same initial states without control: the pole falls (so the test above means something)
    zero = dataclasses.replace(ex, gain=np.zeros_like(ex.gain))
    fallen, _ = mdp.rollout(key, env, zero, episodes=64, steps=500, init=env.init)
    np.testing.assert_array_equal(np.asarray(fallen[:, 0]), np.asarray(states[:, 0]))
    assert np.median(np.abs(np.asarray(fallen[:, -1, angle]))) > 1.0


def test_full_observation_targets_are_the_expert_feedback():
    d = mdp.cartpole_dataset(jax.random.key(0), episodes=10, steps=40)
    K = d.expert.gain
    want = np.clip(-(d.inputs.astype(np.float64) @ K.T), -10, 10)
    np.testing.assert_allclose(d.actions, want, rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(d.inputs, d.states)


# ---------------------------------------------------------------------------------------------
# Rollouts, observations, histories


def test_dataset_designs_the_expert_outside_the_trace():
    mdp._expert.cache_clear()  # a fresh process: the first dataset designs the expert
    d = mdp_dataset(jax.random.key(0), "pendulum", episodes=4, steps=7)
    assert d.expert is mdp.expert("pendulum")


def test_same_key_same_data_and_other_key_other_data():
    kw = dict(obs="positions", history=2, noise=0.01, episodes=10, steps=40)
    a = mdp_dataset(jax.random.key(5), "cartpole", **kw)
    b = mdp_dataset(jax.random.key(5), "cartpole", **kw)
    c = mdp_dataset(jax.random.key(6), "cartpole", **kw)
    np.testing.assert_array_equal(a.inputs, b.inputs)
    np.testing.assert_array_equal(a.actions, b.actions)
    assert not np.allclose(a.inputs, c.inputs) and not np.allclose(a.states, c.states)


def test_episodes_do_not_depend_on_episode_count_or_observation_model():
    a = mdp_dataset(jax.random.key(1), "cartpole", episodes=4, steps=7)
    b = mdp_dataset(
        jax.random.key(1), "cartpole", obs="positions", history=3, episodes=10, steps=40
    )
    # separately compiled programs: equal up to float32 rounding
    np.testing.assert_allclose(a.states, b.states[:4, :7], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["cartpole", "pendulum"])
@pytest.mark.parametrize("obs", ["full", "positions"])
def test_shapes_for_every_variant(name, obs):
    env = mdp.environment(name)
    p = len(env.observed(obs))
    assert p == {("cartpole", "full"): 4, ("cartpole", "positions"): 2}.get((name, obs), p)
    assert p == {("pendulum", "full"): 2, ("pendulum", "positions"): 1}.get((name, obs), p)
    for T in range(1, 6):
        d = mdp_dataset(jax.random.key(0), name, obs=obs, history=T, episodes=4, steps=7)
        assert d.inputs.shape == (4, 7, p * T) and d.inputs.dtype == np.float32
        assert d.actions.shape == (4, 7, 1) and d.states.shape == (4, 7, env.state_dim)
        assert len(d.feature_names) == p * T and d.observation_dim == p
        t = task_from_spec(
            f"{name}:obs={obs},history={T},episodes=4,steps=7",
            f"obs={obs},history={T},episodes=4,steps=7",
            n_train=10,
            n_test=5,
            seed=0,
        )
        assert t.x_train.shape == (10, p * T) and t.x_test.shape == (5, p * T)
        assert t.y_train.shape == (10, 1) and t.classes == 1 and t.labels_train is None
        assert t.metadata["observation_dim"] == p and t.metadata["history"] == T


def test_history_is_most_recent_first_and_padded_with_the_first_observation():
    d = mdp_dataset(jax.random.key(2), "cartpole", obs="positions", history=4, episodes=4, steps=7)
    o = d.states[..., [0, 2]]  # x, theta
    for t in range(7):
        for j in range(4):
            np.testing.assert_array_equal(d.inputs[:, t, 2 * j : 2 * j + 2], o[:, max(t - j, 0)])
    assert d.feature_names[:4] == ("x[t]", "theta[t]", "x[t-1]", "theta[t-1]")


def test_noise_is_gaussian_per_step_and_shared_across_history_blocks():
    sd = 0.05
    d = mdp_dataset(jax.random.key(4), "cartpole", history=2, noise=sd, episodes=10, steps=40)
    err = (d.inputs[..., :4] - d.states).astype(np.float64).ravel()
    n = err.size
    assert abs(err.mean()) < 5 * sd / math.sqrt(n)
    # sd of the sample sd of n normals is about sd / sqrt(2 n)
    assert abs(err.std() - sd) < 5 * sd / math.sqrt(2 * n)
    # the noisy observation o_{t-1} in the history at t is the same draw as o_{t-1} itself
    np.testing.assert_array_equal(d.inputs[:, 1:, 4:], d.inputs[:, :-1, :4])
    clean = mdp_dataset(jax.random.key(4), "cartpole", history=2, episodes=10, steps=40)
    np.testing.assert_array_equal(clean.inputs[..., :4], clean.states)
    np.testing.assert_array_equal(clean.actions, d.actions)  # the expert acts on the true state


def test_pendulum_angles_are_wrapped_in_observations():
    env = mdp.environment("pendulum")
    s = np.array([[[2 * math.pi + 0.1, 0.5], [-math.pi - 0.2, 0.0]]])
    o = mdp.observations(s, env, obs="full")
    np.testing.assert_allclose(o, [[[0.1, 0.5], [math.pi - 0.2, 0.0]]], atol=1e-12)
    np.testing.assert_allclose(mdp.observations(s, env, obs="positions"), o[..., :1])
    with pytest.raises(InputError, match="needs standard-normal draws"):
        mdp.observations(s, env, obs="full", noise=0.1)


def test_noise_draws_are_standard_normal_per_episode():
    z = np.asarray(mdp.noise_draws(jax.random.key(0), 3, 400, 4))
    assert z.shape == (3, 400, 4)
    n = z.size
    assert abs(z.mean()) < 5 / math.sqrt(n) and abs(z.std() - 1) < 5 / math.sqrt(2 * n)
    assert not np.allclose(z[0], z[1])  # episodes draw their own noise


# ---------------------------------------------------------------------------------------------
# Tasks


def _split_episodes(task):
    steps = task.metadata["steps"]
    return set(task.train_indices // steps), set(task.test_indices // steps)


def test_train_and_test_come_from_disjoint_episodes():
    spec = "cartpole:obs=positions,history=3,noise=0.01,episodes=10,steps=40"
    t = task_from_spec(spec, spec.partition(":")[2], n_train=200, n_test=100, seed=7)
    tr, te = _split_episodes(t)
    assert tr and te and not tr & te
    assert tr == set(t.metadata["split"]["train_episodes"])
    assert te == set(t.metadata["split"]["test_episodes"])
    assert len(set(t.train_indices)) == 200 and len(set(t.test_indices)) == 100
    # the rows are the dataset's rows at those indices, after the recorded standardisation
    d = mdp.cartpole_dataset(
        jax.random.key(7), obs="positions", history=3, noise=0.01, episodes=10, steps=40
    )
    st = t.metadata["standardization"]
    x = d.inputs.reshape(-1, 6)
    y = d.actions.reshape(-1, 1)
    np.testing.assert_allclose(
        t.x_test, (x[t.test_indices] - st["input_mean"]) / st["input_sd"], rtol=1e-5, atol=1e-5
    )
    np.testing.assert_allclose(
        t.y_train, (y[t.train_indices] - st["action_mean"]) / st["action_sd"], rtol=1e-5, atol=1e-5
    )


def test_standardised_and_physical_scales():
    t = task_from_spec(
        "pendulum:episodes=10,steps=40", "episodes=10,steps=40", n_train=200, n_test=100, seed=1
    )
    np.testing.assert_allclose(t.x_train.mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(t.x_train.std(0), 1, rtol=1e-4)
    np.testing.assert_allclose(t.y_train.std(0), 1, rtol=1e-4)
    raw = task_from_spec(
        "pendulum:scale=none,episodes=10,steps=40",
        "scale=none,episodes=10,steps=40",
        n_train=200,
        n_test=100,
        seed=1,
    )
    assert raw.metadata["standardization"] is None
    st = t.metadata["standardization"]
    np.testing.assert_allclose(
        raw.y_test, np.asarray(t.y_test) * st["action_sd"] + st["action_mean"], rtol=1e-4, atol=1e-6
    )
    np.testing.assert_array_equal(raw.test_indices, t.test_indices)


def test_task_seeds():
    a = task_from_spec(
        "cartpole:episodes=10,steps=40", "episodes=10,steps=40", n_train=50, n_test=20, seed=3
    )
    b = task_from_spec(
        "cartpole:episodes=10,steps=40", "episodes=10,steps=40", n_train=50, n_test=20, seed=3
    )
    c = task_from_spec(
        "cartpole:episodes=10,steps=40", "episodes=10,steps=40", n_train=50, n_test=20, seed=4
    )
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.allclose(a.x_train, c.x_train)
    # seed= in the spec fixes the rollouts; the task seed still draws the split
    s1 = task_from_spec(
        "cartpole:seed=9,episodes=10,steps=40",
        "seed=9,episodes=10,steps=40",
        n_train=50,
        n_test=20,
        seed=1,
    )
    s2 = task_from_spec(
        "cartpole:seed=9,episodes=10,steps=40",
        "seed=9,episodes=10,steps=40",
        n_train=50,
        n_test=20,
        seed=2,
    )
    assert s1.metadata["seed"] == s2.metadata["seed"] == 9
    assert s1.seed == 1 and s2.seed == 2


def test_metadata_is_complete_and_json_serialisable():
    import json

    t = task_from_spec(
        "cartpole:obs=positions,history=3", "obs=positions,history=3", n_train=60, n_test=30, seed=0
    )
    m = t.metadata
    for key in (
        "environment",
        "dynamics",
        "dynamics_reference",
        "expert",
        "obs",
        "history",
        "observation_dim",
        "action_dim",
        "noise",
        "episodes",
        "steps",
        "seed",
        "scale",
    ):
        assert key in m, key
    assert m["environment"] == "cartpole" and "Florian" in m["dynamics_reference"]
    assert m["observation_dim"] == 2 and m["input_dim"] == 6 and m["action_dim"] == 1
    assert m["episodes"] == 100 and m["steps"] == 200 and m["noise"] == 0.0
    assert np.allclose(m["expert"]["gain_K"], mdp.expert("cartpole").gain)
    json.dumps(m)


@pytest.mark.parametrize(
    "rest,match",
    [
        ("foo=1", "unknown key 'foo'"),
        ("obs=velocity", "obs must be one of full, positions"),
        ("history=0", "history must be >= 1"),
        ("history=two", "history must be an integer"),
        ("noise=-0.1", "noise must be a finite number >= 0"),
        ("noise=abc", "noise must be a number"),
        ("init=0", "init must be > 0"),
        ("episodes=1", "episodes must be >= 2"),
        ("scale=minmax", "scale must be one of standard, none"),
        ("history", "'history' is not KEY=VALUE"),
        ("history=2,history=3", "given twice"),
        ("history=50,steps=10", "history=50 exceeds steps=10"),
        ("episodes=3,steps=10", "need at least"),
    ],
)
def test_bad_specs_name_the_problem(rest, match):
    with pytest.raises(InputError, match=match):
        task_from_spec(f"cartpole:{rest}", rest, n_train=20, n_test=20, seed=0)


def test_unknown_environment():
    with pytest.raises(InputError, match="unknown environment"):
        task_from_spec("acrobot", "", n_train=10, n_test=5, seed=0)


def test_load_task_entry_point():
    t = load_task("cartpole:history=2", n_train=100, n_test=50, seed=0)
    assert t.name == "cartpole:history=2"
    assert t.x_train.shape == (100, 8) and t.y_test.shape == (50, 1) and t.seed == 0
    tr, te = _split_episodes(t)
    assert not tr & te
    p = load_task(
        "pendulum:obs=positions,history=3,episodes=10,steps=40", n_train=40, n_test=20, seed=1
    )
    assert p.x_train.shape == (40, 3)


def test_rl_bound_inputs():
    t = load_task("cartpole:obs=positions,history=3", n_train=500, n_test=50, seed=0)
    d = rl_bound_inputs(t)
    assert d["m"] == 6 and d["D"] == 1 and d["n"] == 500 and d["history"] == 3
    assert d["delta"] == 1e-3 and d["target_error"] == 1e-3
    assert 1 <= d["m_intrinsic"] <= 6 and d["m_intrinsic"] == max(1, round(d["m_intrinsic_raw"]))
    r = rl_bound(
        obs_dim=d["m"],
        action_dim=d["D"],
        n=d["n"],
        delta=d["delta"],
        target_error=d["target_error"],
    )
    assert math.isfinite(r.bits) and r.bits > 0
    with pytest.raises(InputError, match="not an MDP task"):
        rl_bound_inputs(load_task("digits", n_train=50, n_test=20))
