"""The response model: from the estimates to joint draws of how yields respond to purchases.

One model, estimated once and drawn many times, serves every scenario. Three response sources:

``posterior`` (the default)
    Each estimated holder group's short-run cumulative effect (the sum of its distributed-lag
    coefficients, bp per $100bn) is shrunk toward the literature by the closed-form normal
    update. Prior: ``theta_g ~ N(m0 l, s0^2 W)`` for every group, from the envelope's short-run
    range (``l`` the maturity loadings, ``W = l l' + q^2 diag(l^2)``). Data: the joint system's
    estimates of every group at every maturity with their full covariance. The update is done
    in every specification of the grid; draws pick a specification by its weight (model
    averaging), draw ``theta`` from its posterior and the lag coefficients given ``theta`` from
    the data. Holder groups without an estimate of their own get the pooled posterior: the
    precision-weighted average of the pooled groups' posteriors (the official-dominated groups,
    Japan and China) plus one holder's own spread ``eta ~ N(0, tau^2 W)``, with ``tau`` by
    empirical Bayes from the marginal likelihood of a hierarchical model of the pooled groups.
``data``
    The same draws without the prior: lag coefficients from the joint estimate of a drawn
    specification; groups without their own estimate get the precision-weighted average of the
    pooled groups' estimates plus the between-holder spread.
``literature``
    The envelope of published effects (low, central, high), deterministic.

Persistence. Within a specification's lag window the response follows the drawn lag
coefficients; afterwards a share ``pi`` of the cumulative effect persists and the rest decays
with the envelope's half-life. ``pi`` is drawn from a Beta distribution whose mean is the
literature's long-run / short-run ratio. So every path separates a peak (which decays) from
a persistent level, and a headline can quote the persistent level.

Units: internally, effects are bp per $100bn of purchases at today's debt (the regressions'
own sign: negative = purchases lower yields) and flows are $bn a month, purchases positive.
Everything the model reports (:meth:`ResponseModel.posterior_table`, :meth:`describe`,
:meth:`summary`) is per $100bn **sold**: positive = sales raise yields.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.grid import GridResult
from model.estimate.literature import LiteratureConfig, envelope_path
from model.estimate.system import SystemResult

SOURCES = ("posterior", "data", "literature")
Z90 = 1.6448536269514722


def _factor(cov: np.ndarray) -> np.ndarray:
    """``L`` with ``L L' = cov`` for a symmetric positive semi-definite matrix.

    Eigenvectors are defined up to sign; each is turned so that its largest element is
    positive, so the same covariance always gives the same factor (and the same draws).
    """
    vals, vecs = np.linalg.eigh((cov + cov.T) / 2)
    if vecs.size:
        rows = np.abs(vecs).argmax(axis=0)
        vecs = vecs * np.where(vecs[rows, np.arange(vecs.shape[1])] < 0, -1.0, 1.0)
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def beta_parameters(mean: float, sd: float) -> tuple[float, float]:
    """Beta(a, b) with the given mean and standard deviation."""
    if not 0 < mean < 1:
        raise ValueError(f"persistence mean {mean:.3f} must lie strictly between 0 and 1")
    if sd ** 2 >= mean * (1 - mean):
        raise ValueError(f"persistence sd {sd} is too large for mean {mean:.2f}")
    common = mean * (1 - mean) / sd ** 2 - 1
    return mean * common, (1 - mean) * common


def normal_update(prior_mean: np.ndarray, prior_cov: np.ndarray, observed: np.ndarray, obs_cov: np.ndarray,
                  selector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posterior of a Gaussian state ``z ~ N(prior_mean, prior_cov)`` after observing
    ``observed = selector @ z + e``, ``e ~ N(0, obs_cov)`` (the closed-form normal update)."""
    S = selector @ prior_cov @ selector.T + obs_cov
    K = np.linalg.solve(S, selector @ prior_cov).T  # prior_cov H' S^-1 (S symmetric)
    mean = prior_mean + K @ (observed - selector @ prior_mean)
    cov = prior_cov - K @ selector @ prior_cov
    return mean, (cov + cov.T) / 2


@dataclass(frozen=True)
class Prior:
    """The literature prior on short-run cumulative effects (bp per $100bn bought today)."""

    mean_10y: float  # negative: purchases lower yields
    sd_10y: float
    loading: dict[str, float]
    maturity_sd_share: float
    between_holder_sd_10y: float  # tau
    between_holder_rule: str

    def omega(self, responses: list[str]) -> np.ndarray:
        loading = np.array([self.loading[r] for r in responses])
        return np.outer(loading, loading) + self.maturity_sd_share ** 2 * np.diag(loading ** 2)

    def mean(self, responses: list[str]) -> np.ndarray:
        return self.mean_10y * np.array([self.loading[r] for r in responses])

    def common_cov(self, responses: list[str]) -> np.ndarray:
        return self.sd_10y ** 2 * self.omega(responses)

    def between_cov(self, responses: list[str], tau: float | None = None) -> np.ndarray:
        tau = self.between_holder_sd_10y if tau is None else tau
        return tau ** 2 * self.omega(responses)


def _holder_prior(prior: Prior, responses: list[str], n_holders: int) -> tuple[np.ndarray, np.ndarray]:
    """Prior mean and covariance of ``theta`` (R x G, response-major): every holder group has
    the literature prior, independently of the others."""
    J = np.kron(np.eye(len(responses)), np.ones((n_holders, 1)))
    return J @ prior.mean(responses), np.kron(prior.common_cov(responses), np.eye(n_holders))


def _hierarchical_prior(prior: Prior, responses: list[str], pooled: list[bool], tau: float):
    """Prior of ``theta`` when the pooled groups share a common mean ``mu ~ N(m0 l, s0^2 W)``
    and differ by ``eta_g ~ N(0, tau^2 W)`` (the others keep an independent prior): the model
    whose marginal likelihood picks ``tau``."""
    R, G = len(responses), len(pooled)
    A, B = prior.common_cov(responses), prior.between_cov(responses, tau)
    in_pool = np.diag(np.asarray(pooled, dtype=float))
    J = np.kron(np.eye(R), np.ones((G, 1)))
    Jp = np.kron(np.eye(R), np.asarray(pooled, dtype=float)[:, None])
    cov = Jp @ A @ Jp.T + np.kron(B, in_pool) + np.kron(A + B, np.eye(G) - in_pool)
    return J @ prior.mean(responses), cov


def pool_weights(cov: np.ndarray, responses: list[str], pooled: list[bool]) -> np.ndarray:
    """Matrix ``W`` (R x R G): per response, the precision-weighted average of the pooled
    groups' effects (weights from the diagonal of ``cov``)."""
    R, G = len(responses), len(pooled)
    var = np.clip(np.diag(cov).reshape(R, G), 1e-300, None)
    precision = np.where(np.asarray(pooled)[None, :], 1.0 / var, 0.0)
    weights = precision / precision.sum(axis=1, keepdims=True)
    W = np.zeros((R, R * G))
    for r in range(R):
        W[r, r * G : (r + 1) * G] = weights[r]
    return W


def empirical_bayes_tau(prior: Prior, responses: list[str], theta_hat: np.ndarray, V_theta: np.ndarray,
                        pooled: list[bool], tau_min: float, tau_max: float) -> float:
    """The between-holder sd (10-year) in ``[tau_min, tau_max]`` maximising the marginal
    likelihood of the estimates under :func:`_hierarchical_prior`."""
    best, best_ll = tau_min, -np.inf
    for tau in np.linspace(tau_min, tau_max, 161):
        mean, cov = _hierarchical_prior(prior, responses, pooled, tau)
        cov = cov + V_theta
        sign, logdet = np.linalg.slogdet(cov)
        resid = theta_hat - mean
        ll = -0.5 * (logdet + resid @ np.linalg.solve(cov, resid))
        if sign > 0 and ll > best_ll:
            best, best_ll = float(tau), ll
    return best


@dataclass
class SpecModel:
    """One grid specification, ready to draw: data and posterior moments."""

    label: str
    lags: int
    weight: float
    inference: str
    beta_hat: np.ndarray  # (R G (L+1),) bp per $100bn, ordered (response, holder, lag)
    beta_factor: np.ndarray  # factor of its covariance
    theta_hat: np.ndarray  # (R G,) cumulative effects, (response, holder)
    V_theta: np.ndarray
    gain: np.ndarray  # E[beta | theta] = beta_hat + gain (theta - theta_hat)
    cond_factor: np.ndarray  # factor of Var[beta | theta]
    z_post: np.ndarray  # posterior mean of theta
    z_factor: np.ndarray
    P_post: np.ndarray
    pool_post: np.ndarray  # (R, R G): the pooled effect as an average of the posterior thetas
    pool_data: np.ndarray  # (R, R G): the same average of the estimates


@dataclass
class PathDraws:
    """Yield paths implied by drawn responses for one set of flows (all draws kept; for tests,
    notebooks and small draw counts; :meth:`ResponseModel.price` summarises instead)."""

    source: str
    responses: list[str]
    paths: dict[str, np.ndarray]  # response -> (n, months), bp
    persistent: np.ndarray  # (n, R): the level that lasts once transients have decayed, bp
    cumulative: np.ndarray  # (n, R): the short-run cumulative response (before persistence), bp
    spec_index: np.ndarray  # (n,): which specification each draw used


@dataclass
class PriceRequest:
    """What a scenario asks of the response model.

    Attributes
    ----------
    flows_bn : dict
        Holder key -> priced deviation flows, $bn a month over the horizon (purchases positive).
    horizon : int
        Months of the paths whose bands are wanted.
    linear : dict
        Name -> ``{response: (months, k) weights}``: per draw, ``sum_r path_r[:months] @ W_r``
        (interest cost, a loss at a month, ...), computed without storing paths.
    announcement_share : float
        Share of the planned total priced at once.
    zero : tuple of str
        Responses held at zero (bills anchored to the policy rate).
    """

    flows_bn: dict[str, np.ndarray]
    horizon: int
    linear: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    announcement_share: float = 0.0
    zero: tuple[str, ...] = ()


@dataclass
class PricedDraws:
    """Summaries of the drawn paths: bands per month and the per-draw quantities that need
    their joint distribution."""

    source: str
    responses: list[str]
    quantiles: dict[str, np.ndarray]  # response -> (3, horizon): 5th, 50th and 95th percentiles
    persistent: np.ndarray  # (n, R)
    cumulative: np.ndarray  # (n, R)
    linear: dict[str, np.ndarray]  # name -> (n, k)
    spec_index: np.ndarray
    slots: int  # (response, block of months) computed one at a time from the kept coefficients
    # name -> (fixed, lasting) per draw, with linear = fixed + lasting share x lasting: the
    # functional at any fixed persistence share (the persistence sensitivity) without redrawing
    linear_parts: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _convolve(u: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``out[t, k] = sum_{s <= t} u[s] kernel[t - s, k]`` for each column of ``kernel``."""
    months = len(kernel)
    return np.column_stack([np.convolve(u, kernel[:, k])[:months] for k in range(kernel.shape[1])])


@dataclass
class ResponseModel:
    """Joint draws of yield responses to purchases by holder group (see the module docstring).

    Build it once with :meth:`build`; :meth:`draw_paths` prices a set of flows, :meth:`posterior_table`
    reports prior, data and posterior per holder, :meth:`summary`, :meth:`to_frame` and
    :meth:`to_json` follow statsmodels' habit.
    """

    responses: list[str]
    holders: list[str]  # groups with their own estimate
    pool: list[str]  # estimated groups that inform the common (pooled) mean
    specs: list[SpecModel]
    prior: Prior
    persistence_mean: float
    persistence_sd: float
    persistence_evidence: list[dict]
    half_life_months: float
    envelope: dict
    weights_rule: str
    baseline: str
    notes: list[str] = field(default_factory=list)
    lasting_share: float | None = None  # a fixed persistence share for every draw (a sensitivity), else drawn

    # -- construction --------------------------------------------------------------------
    @classmethod
    def build(cls, grid: GridResult, envelope: dict, literature: LiteratureConfig, pool: list[str],
              persistence_evidence: list[dict] | None = None) -> ResponseModel:
        """Prepare the per-specification data and posterior moments.

        Parameters
        ----------
        grid : GridResult
            The joint system under every specification.
        envelope : dict
            :func:`~model.estimate.literature.envelope` (prior and persistence come from it).
        literature : LiteratureConfig
            Prior and persistence settings.
        pool : list of str
            Estimated holder groups whose effects share the common mean (the others keep an
            independent prior of the same width).
        persistence_evidence : list of dict, optional
            The tool's own evidence on persistence (local projections, see
            :func:`persistence_evidence`), reported beside the share drawn.
        """
        first = grid.systems[0]
        responses = list(first.responses)
        holders = list(first.holder_terms)
        sr = envelope["short_run"]
        sd10 = (sr["high"] - sr["low"]) / (2 * Z90)
        base = next((s for s in grid.systems if s.spec.label == grid.baseline), first)
        prior = Prior(mean_10y=-sr["central"], sd_10y=sd10, loading=dict(envelope["maturity_loading"]),
                      maturity_sd_share=literature.prior.maturity_sd_share, between_holder_sd_10y=0.0,
                      between_holder_rule="")
        theta_b, V_b = _theta(base, holders, responses)
        pooled = [h in pool for h in holders]
        cfg = literature.prior
        tau = empirical_bayes_tau(prior, responses, theta_b, V_b, pooled, cfg.min_between_holder_sd_bp,
                                  cfg.max_between_holder_sd_bp)
        prior = Prior(**{**prior.__dict__, "between_holder_sd_10y": tau,
                         "between_holder_rule": f"empirical Bayes on the baseline system ({grid.baseline}), "
                                                f"between {cfg.min_between_holder_sd_bp:g} and {cfg.max_between_holder_sd_bp:g}"})
        specs = [_spec_model(s, w, holders, responses, prior, pooled)
                 for s, w in zip(grid.systems, grid.weights, strict=True)]
        return cls(responses=responses, holders=holders, pool=[h for h in holders if h in pool], specs=specs, prior=prior,
                   persistence_mean=envelope["persistence_mean"], persistence_sd=literature.persistence.sd,
                   persistence_evidence=list(persistence_evidence or []),
                   half_life_months=envelope["half_life_months"], envelope=envelope,
                   weights_rule=grid.weights_rule, baseline=grid.baseline)

    @property
    def weights(self) -> np.ndarray:
        return np.array([s.weight for s in self.specs])

    def restricted(self, label: str) -> ResponseModel:
        """The same model with one specification only (weight 1)."""
        spec = next((s for s in self.specs if s.label == label), None)
        if spec is None:
            raise KeyError(f"no specification '{label}' in the grid")
        return dataclasses.replace(self, specs=[dataclasses.replace(spec, weight=1.0)], weights_rule="one specification")

    def with_lasting_share(self, share: float) -> ResponseModel:
        """The same model with the persistence share fixed at ``share`` in every draw (0: every
        effect decays; 1: the whole short-run effect lasts): the persistence sensitivity."""
        if not 0.0 <= share <= 1.0:
            raise ValueError(f"lasting share {share!r} must lie between 0 and 1")
        return dataclasses.replace(self, lasting_share=float(share))

    def is_own(self, holder: str) -> bool:
        return holder in self.holders

    # -- moments -------------------------------------------------------------------------
    def _moments(self, source: str, holder: str) -> tuple[np.ndarray, np.ndarray]:
        """Mixture mean and variance (over specifications) of one holder's cumulative effect,
        per response."""
        R, G = len(self.responses), len(self.holders)
        B = self.prior.between_cov(self.responses)
        means, variances = [], []
        for s in self.specs:
            mean, cov, W = ((s.z_post, s.P_post, s.pool_post) if source == "posterior"
                            else (s.theta_hat, s.V_theta, s.pool_data))
            if self.is_own(holder):
                idx = np.arange(R) * G + self.holders.index(holder)
                m, v = mean[idx], np.diag(cov)[idx]
            else:
                m, v = W @ mean, np.diag(W @ cov @ W.T) + np.diag(B)
            means.append(m)
            variances.append(v)
        w = self.weights[:, None]
        M, Vv = np.array(means), np.array(variances)
        mean = (w * M).sum(axis=0)
        var = (w * (Vv + M ** 2)).sum(axis=0) - mean ** 2
        return mean, np.sqrt(np.clip(var, 0, None))

    def posterior_table(self, holders: dict[str, str] | None = None) -> pd.DataFrame:
        """Prior, data and posterior of each holder group's short-run cumulative effect.

        Parameters
        ----------
        holders : dict, optional
            Group key -> display name, for every group the scenarios can name; groups without
            an estimate of their own get the pooled posterior (their prior is the literature
            prior widened by the between-holder spread). Default: the estimated groups.

        Returns
        -------
        DataFrame
            ``holder, label, estimate (own or pooled), maturity, prior_mean, prior_sd,
            data_mean, data_sd, posterior_mean, posterior_sd`` in bp per $100bn sold today
            (positive = sales raise yields), mixture moments over the grid.
        """
        holders = holders or {h: h for h in self.holders}
        prior_mean = self.prior.mean(self.responses)
        own_sd = np.sqrt(np.diag(self.prior.common_cov(self.responses)))
        pooled_sd = np.sqrt(np.diag(self.prior.common_cov(self.responses) + self.prior.between_cov(self.responses)))
        rows = []
        for key, label in holders.items():
            data_m, data_s = self._moments("data", key)
            post_m, post_s = self._moments("posterior", key)
            prior_sd = own_sd if self.is_own(key) else pooled_sd
            for j, r in enumerate(self.responses):
                rows.append({"holder": key, "label": label, "estimate": "own" if self.is_own(key) else "pooled",
                             "maturity": r, "prior_mean": -prior_mean[j], "prior_sd": prior_sd[j],
                             "data_mean": -data_m[j], "data_sd": data_s[j],
                             "posterior_mean": -post_m[j], "posterior_sd": post_s[j]})
        return pd.DataFrame(rows)

    # -- drawing -------------------------------------------------------------------------
    def _counts(self, n: int, seed: int) -> np.ndarray:
        """Draws per specification, by weight (the same for every pass over the draws)."""
        return np.random.default_rng(seed).multinomial(n, self.weights)

    def _chunks(self, source: str, counts: np.ndarray, seed: int, holders: list[str], chunk: int):
        """Yield ``(spec index, coefs (n, R, H, L+1), pi (n,))`` chunk by chunk.

        Each specification has its own random stream (``seed``, index), so a later pass over the
        draws regenerates exactly the same numbers. Within a specification every response and
        holder is drawn jointly; groups without an estimate of their own get the pooled effect
        plus a holder's own deviation.
        """
        if source not in ("posterior", "data"):
            raise ValueError(f"unknown response source '{source}'")
        a, b = beta_parameters(self.persistence_mean, self.persistence_sd)
        R, G = len(self.responses), len(self.holders)
        Bfac = _factor(self.prior.between_cov(self.responses))
        for i, (spec, count) in enumerate(zip(self.specs, counts, strict=True)):
            rng = np.random.default_rng([seed, i])
            L1 = spec.lags + 1
            for lo in range(0, int(count), chunk):
                m = min(chunk, int(count) - lo)
                if source == "posterior":
                    theta = spec.z_post + rng.standard_normal((m, len(spec.z_post))) @ spec.z_factor.T
                    beta = (spec.beta_hat + (theta - spec.theta_hat) @ spec.gain.T
                            + rng.standard_normal((m, spec.cond_factor.shape[1])) @ spec.cond_factor.T)
                    mu = theta @ spec.pool_post.T
                else:
                    beta = spec.beta_hat + rng.standard_normal((m, spec.beta_factor.shape[1])) @ spec.beta_factor.T
                    theta = beta.reshape(m, R, G, L1).sum(axis=3).reshape(m, R * G)
                    mu = theta @ spec.pool_data.T
                own = beta.reshape(m, R, G, L1)
                coefs = np.zeros((m, R, len(holders), L1))
                for h, key in enumerate(holders):
                    if self.is_own(key):
                        coefs[:, :, h, :] = own[:, :, self.holders.index(key), :]
                    else:  # pooled: the pooled groups' average plus a holder's own deviation
                        coefs[:, :, h, 0] = mu + rng.standard_normal((m, R)) @ Bfac.T
                pi = rng.beta(a, b, size=m)  # drawn even when fixed, so the other draws stay the same
                yield i, coefs, (pi if self.lasting_share is None else np.full(m, self.lasting_share))

    def kernel_design(self, flows_100bn: np.ndarray, lags: int, months: int, announcement_share: float
                      ) -> tuple[np.ndarray, np.ndarray]:
        """Matrices ``G1, G2`` (months x L+1) with ``path = G1 @ b + pi * G2 @ b`` for one
        holder's flows (in $100bn a month) and lag coefficients ``b``.

        Within the lag window the response to a flow ``h`` months ago is the cumulative
        coefficient ``c_h``; afterwards ``c_L (pi + (1 - pi) d^(h - L))`` with ``d`` the monthly
        decay of the half-life. With announcement pricing a share of the planned total is
        priced at month 0 at the persistent effect ``pi c_L`` and the rest follows the flows.
        """
        L1 = lags + 1
        decay = 0.5 ** (1.0 / self.half_life_months)
        h = np.arange(months)
        tail = np.clip(h - lags, 0, None)
        d1 = np.where(h[:, None] <= lags, (np.arange(L1)[None, :] <= h[:, None]).astype(float),
                      (decay ** tail)[:, None] * np.ones((1, L1)))
        d2 = np.where(h[:, None] <= lags, 0.0, (1 - decay ** tail)[:, None] * np.ones((1, L1)))
        u = np.zeros(months)
        u[: min(len(flows_100bn), months)] = flows_100bn[:months]
        G1 = _convolve(u, d1) * (1 - announcement_share)
        G2 = _convolve(u, d2) * (1 - announcement_share) + announcement_share * u.sum()
        return G1, G2

    def _designs(self, holders: list[str], flows_bn: dict[str, np.ndarray], months: int, share: float
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per specification, the stacked kernel designs of every holder."""
        out = []
        for spec in self.specs:
            parts = [self.kernel_design(flows_bn[g] / 100.0, spec.lags, months, share) for g in holders]
            out.append((np.concatenate([p[0] for p in parts], axis=1), np.concatenate([p[1] for p in parts], axis=1)))
        return out

    def draw_paths(self, flows_bn: dict[str, np.ndarray], months: int, source: str, n: int, seed: int,
                   announcement_share: float = 0.0, chunk: int = 20_000) -> PathDraws:
        """Every drawn path for purchase deviations by holder ($bn a month; negative = sales).

        The same draws as :meth:`price` (same seed, same chunk size), kept whole: meant for
        small ``n`` (tests, notebooks).
        """
        holders = list(flows_bn)
        R = len(self.responses)
        paths = {r: np.zeros((n, months)) for r in self.responses}
        persistent, cumulative = np.zeros((n, R)), np.zeros((n, R))
        spec_index = np.zeros(n, dtype=int)
        if not holders:
            return PathDraws(source, list(self.responses), paths, persistent, cumulative, spec_index)
        designs = self._designs(holders, flows_bn, months, announcement_share)
        totals = np.array([flows_bn[g].sum() / 100.0 for g in holders])
        row = 0
        for i, coefs, pi in self._chunks(source, self._counts(n, seed), seed, holders, chunk):
            m = len(pi)
            G1, G2 = designs[i]
            for j, r in enumerate(self.responses):
                b = coefs[:, j].reshape(m, -1)
                paths[r][row : row + m] = b @ G1.T + pi[:, None] * (b @ G2.T)
            cum = (coefs.sum(axis=3) * totals[None, None, :]).sum(axis=2)
            cumulative[row : row + m], persistent[row : row + m] = cum, pi[:, None] * cum
            spec_index[row : row + m] = i
            row += m
        return PathDraws(source, list(self.responses), paths, persistent, cumulative, spec_index)

    def price(self, request: PriceRequest, source: str, n: int, seed: int, chunk: int = 20_000,
              budget_bytes: int = 256 * 2**20) -> PricedDraws:
        """Bands and per-draw summaries for a set of flows, within a memory budget.

        One pass draws everything (chunk by chunk, each specification from its own random
        stream): the per-draw quantities (persistent and short-run levels, the ``linear``
        functionals such as interest cost) in float64, and the drawn lag coefficients of the
        banded responses, kept in float32. Paths are then computed from the kept coefficients,
        month-major (each month's draws contiguous, so percentiles are fast), in slots of
        (response, block of months) of at most ``budget_bytes``. Memory is the kept
        coefficients (a few dozen numbers a draw) plus the budget; time grows with draws x months.
        """
        holders = list(request.flows_bn)
        R, H = len(self.responses), request.horizon
        banded = [j for j, r in enumerate(self.responses) if r not in request.zero]
        persistent, cumulative = np.zeros((n, R)), np.zeros((n, R))
        linear = {name: np.zeros((n, next(iter(w.values())).shape[1])) for name, w in request.linear.items()}
        parts = {name: (np.zeros_like(v), np.zeros_like(v)) for name, v in linear.items()}
        spec_index = np.zeros(n, dtype=int)
        quantiles = {r: np.zeros((3, H)) for r in self.responses}
        if not holders or n == 0:
            return PricedDraws(source, list(self.responses), quantiles, persistent, cumulative, linear, spec_index, 0,
                               parts)
        months = max([H, *(w.shape[0] for ws in request.linear.values() for w in ws.values())])
        designs = self._designs(holders, request.flows_bn, months, request.announcement_share)
        # linear functionals of the paths, folded into the designs: path @ W = b @ (G1' W) + pi b @ (G2' W)
        folded = [{name: {self.responses.index(r): (G1[: w.shape[0]].T @ w, G2[: w.shape[0]].T @ w)
                          for r, w in ws.items() if r not in request.zero}
                   for name, ws in request.linear.items()} for G1, G2 in designs]
        totals = np.array([request.flows_bn[g].sum() / 100.0 for g in holders])
        counts = self._counts(n, seed)
        zero = [self.responses.index(r) for r in request.zero if r in self.responses]
        kept = [np.empty((int(c), len(banded), len(holders) * (s.lags + 1)), dtype=np.float32)
                for s, c in zip(self.specs, counts, strict=True)]
        kept_pi = [np.empty(int(c), dtype=np.float32) for c in counts]
        filled = np.zeros(len(self.specs), dtype=int)
        row = 0
        for i, coefs, pi in self._chunks(source, counts, seed, holders, chunk):
            m = len(pi)
            flat = coefs.reshape(m, R, -1)
            for name, ws in folded[i].items():
                for j, (F1, F2) in ws.items():
                    fixed, lasting = flat[:, j] @ F1, flat[:, j] @ F2
                    linear[name][row : row + m] += fixed + pi[:, None] * lasting
                    parts[name][0][row : row + m] += fixed
                    parts[name][1][row : row + m] += lasting
            cum = (coefs.sum(axis=3) * totals[None, None, :]).sum(axis=2)
            cum[:, zero] = 0.0
            cumulative[row : row + m], persistent[row : row + m] = cum, pi[:, None] * cum
            spec_index[row : row + m] = i
            kept[i][filled[i] : filled[i] + m] = flat[:, banded]
            kept_pi[i][filled[i] : filled[i] + m] = pi
            filled[i] += m
            row += m
        # paths from the kept coefficients, month-major, a block of months at a time:
        # path = [G1 | G2] @ [b, pi b]' in one product per specification
        block = max(1, min(H, int(budget_bytes // max(n * 4, 1))))
        stacked = [np.concatenate([G1[:H], G2[:H]], axis=1) for G1, G2 in designs]
        slots = 0
        for k, j in enumerate(banded):
            both = [np.concatenate([kept[i][:, k], kept[i][:, k] * kept_pi[i][:, None]], axis=1).astype(float)
                    for i in range(len(designs))]
            for t0 in range(0, H, block):
                t1 = min(H, t0 + block)
                buf = np.empty((t1 - t0, n), dtype=np.float32)
                start = 0
                for i, design in enumerate(stacked):
                    buf[:, start : start + len(both[i])] = design[t0:t1] @ both[i].T
                    start += len(both[i])
                quantiles[self.responses[j]][:, t0:t1] = np.percentile(buf, (5, 50, 95), axis=1, overwrite_input=True)
                slots += 1
            del both
        return PricedDraws(source, list(self.responses), quantiles, persistent, cumulative, linear, spec_index, slots,
                           parts)

    def literature_paths(self, flows_bn: dict[str, np.ndarray], months: int, announcement_share: float = 0.0
                         ) -> dict[str, dict[str, np.ndarray]]:
        """Low, central and high envelope paths per response (bp) for the total flows."""
        total = np.zeros(months)
        for f in flows_bn.values():
            total[: min(len(f), months)] += f[:months]
        u = total / 100.0
        planned = u.sum()
        h = np.arange(months)
        out = {}
        for bound in ("low", "central", "high"):
            kernel = envelope_path(self.envelope, bound, months)  # bp per $100bn sold
            level = np.array([(u[: t + 1][::-1] * kernel[: t + 1]).sum() for t in h]) * (1 - announcement_share)
            level += announcement_share * planned * self.envelope["long_run"][bound]
            out[bound] = {r: -level * self.envelope["maturity_loading"][r] for r in self.responses}
        return out

    def literature_persistent(self, flows_bn: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The lasting level of each bound per response (bp): long-run effect x total flows."""
        planned = sum(float(f.sum()) for f in flows_bn.values()) / 100.0
        return {bound: np.array([-planned * self.envelope["long_run"][bound] * self.envelope["maturity_loading"][r]
                                 for r in self.responses]) for bound in ("low", "central", "high")}

    # -- the analytic counterpart of the draws -------------------------------------------
    def cumulative_moments(self, source: str, totals_bn: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance across responses of the short-run cumulative response
        ``sum_g theta_g U_g`` (U in $100bn), mixed over specifications: what the draws of
        :attr:`PathDraws.cumulative` estimate."""
        R, G = len(self.responses), len(self.holders)
        B = self.prior.between_cov(self.responses)
        pooled_sq = sum((u / 100.0) ** 2 for g, u in totals_bn.items() if not self.is_own(g))
        means, covs = [], []
        for s in self.specs:
            M_theta = np.zeros((R, R * G))
            M_mu = np.zeros((R, R))
            for g, u in totals_bn.items():
                if self.is_own(g):
                    M_theta[np.arange(R), np.arange(R) * G + self.holders.index(g)] += u / 100.0
                else:
                    M_mu += np.eye(R) * u / 100.0
            mean, cov, W = ((s.z_post, s.P_post, s.pool_post) if source == "posterior"
                            else (s.theta_hat, s.V_theta, s.pool_data))
            M = M_theta + M_mu @ W
            m, C = M @ mean, M @ cov @ M.T
            means.append(m)
            covs.append(C + pooled_sq * B)
        w = self.weights
        mean = sum(wi * m for wi, m in zip(w, means, strict=True))
        cov = sum(wi * (C + np.outer(m, m)) for wi, m, C in zip(w, means, covs, strict=True)) - np.outer(mean, mean)
        return mean, cov

    # -- statsmodels-like API ------------------------------------------------------------
    def to_frame(self, holders: dict[str, str] | None = None) -> pd.DataFrame:
        """The posterior table (see :meth:`posterior_table`)."""
        return self.posterior_table(holders)

    def local_projection_verdict(self) -> str:
        """Why the persistence share comes from the literature, not the tool's local projections
        (their late / early ratios where defined, shown, not used)."""
        usable = [e for e in self.persistence_evidence if e["late_to_early"] is not None]
        if not self.persistence_evidence:
            return "no local projections were run"
        if usable:
            ratios = ", ".join(f"{e['holder']} {e['late_to_early']:.2f}" for e in usable)
            return f"the tool's local projections give late / early ratios of {ratios} (shown, not used)"
        return ("the tool's local projections cannot measure it: no holder's response in the first months is "
                "distinguishable from zero with the sign of a demand effect (90% band), so a late / early ratio "
                "is undefined")

    def describe(self) -> dict:
        """What is drawn: specifications and weights, prior, persistence (JSON-ready)."""
        return {
            "specification_count": len(self.specs),
            "specification_weights": self.weights_rule,
            "baseline_specification": self.baseline,
            "inference": {"bootstrap": sum(s.inference == "bootstrap" for s in self.specs),
                          "hac": sum(s.inference == "hac" for s in self.specs),
                          "rule": "per specification, the wider of the joint HAC and the moving-block bootstrap "
                                  "covariance of the cumulative effects"},
            "prior": {"mean_10y_bp_per_100bn": round(-self.prior.mean_10y, 6), "sd_10y_bp_per_100bn": round(self.prior.sd_10y, 6),
                      "between_holder_sd_10y_bp_per_100bn": round(self.prior.between_holder_sd_10y, 6),
                      "between_holder_rule": self.prior.between_holder_rule,
                      "maturity_loading": self.prior.loading, "maturity_sd_share": self.prior.maturity_sd_share,
                      "source": "literature envelope, short run: mean = central, sd = (high - low) / (2 x 1.645)"},
            "persistence": {"mean": round(self.persistence_mean, 6), "sd": self.persistence_sd,
                            "local_projections": self.persistence_evidence,
                            "distribution": "beta", "half_life_months": self.half_life_months,
                            "source": "literature envelope: central long-run / short-run effect",
                            "why_not_local_projections": self.local_projection_verdict()},
            "holders_with_own_estimate": self.holders,
        }

    def summary(self, holders: dict[str, str] | None = None, maturity: str = "10y") -> str:
        """Prior, data and posterior per holder for one maturity, and what is drawn."""
        table = self.posterior_table(holders)
        table = table[table["maturity"] == maturity]
        d = self.describe()
        lines = [
            f"Response model: {len(self.specs)} specifications ({self.weights_rule} weights; baseline {self.baseline})",
            f"  prior (literature, short run, {maturity}): {-self.prior.mean(self.responses)[self.responses.index(maturity)]:+.2f} "
            f"bp per $100bn sold, sd {np.sqrt(self.prior.common_cov(self.responses)[self.responses.index(maturity)].max()):.2f}; "
            f"between-holder sd {self.prior.between_holder_sd_10y:.2f} ({self.prior.between_holder_rule})",
            f"  persistence: Beta, mean {self.persistence_mean:.2f}, sd {self.persistence_sd:.2f}; transients decay "
            f"with a {self.half_life_months:g}-month half-life",
            f"  inference: {d['inference']['bootstrap']} specifications use the bootstrap, {d['inference']['hac']} the HAC covariance (the wider)",
            f"  {'holder':<30}{'estimate':>9}{'prior':>16}{'data':>16}{'posterior':>16}   (bp per $100bn sold, mean (sd))",
        ]
        for r in table.itertuples():
            lines.append(f"  {r.label:<30}{r.estimate:>9}{f'{r.prior_mean:+.2f} ({r.prior_sd:.2f})':>16}"
                         f"{f'{r.data_mean:+.2f} ({r.data_sd:.2f})':>16}{f'{r.posterior_mean:+.2f} ({r.posterior_sd:.2f})':>16}")
        return "\n".join(lines)

    def to_dict(self, holders: dict[str, str] | None = None) -> dict:
        return {**self.describe(),
                "posterior": [{k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items()}
                              for r in self.posterior_table(holders).to_dict("records")]}

    def to_json(self, holders: dict[str, str] | None = None) -> str:
        return json.dumps(self.to_dict(holders), indent=2)


def persistence_evidence(local_projections: list, early: tuple[int, int] = (0, 3),
                         late: tuple[int, int] = (12, 24)) -> list[dict]:
    """What the tool's own local projections say about persistence: per holder (reported
    flows), the mean response in the first months and a year to two years on, bp per $100bn
    sold, with the standard error of each mean (from the per-horizon errors, taken as perfectly
    correlated: an upper bound) and the late / early ratio where the early response is
    measured at all (its 90% band excludes zero and it has the sign of a demand effect)."""
    out = []
    for lp in local_projections:
        if lp.flow_measure != "reported":
            continue
        frame = lp.to_frame()
        e = frame[(frame["h"] >= early[0]) & (frame["h"] <= early[1])]
        lt = frame[(frame["h"] >= late[0]) & (frame["h"] <= late[1])]
        e_mean, l_mean = float(e["irf_bp_per_100bn"].mean()), float(lt["irf_bp_per_100bn"].mean())
        e_se, l_se = float(e["se_bp_per_100bn"].mean()), float(lt["se_bp_per_100bn"].mean())
        measured = e_mean > Z90 * e_se
        out.append({"holder": lp.holder, "months_early": list(early), "months_late": list(late),
                    "early_bp_per_100bn": round(e_mean, 6), "early_se": round(e_se, 6),
                    "late_bp_per_100bn": round(l_mean, 6), "late_se": round(l_se, 6),
                    "late_to_early": round(l_mean / e_mean, 6) if measured else None})
    return out


def _theta(system: SystemResult, holders: list[str], responses: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative effects (response-major) and their covariance, bp per $100bn."""
    A = system.cumulative_matrix(holders, responses) * system.factor_per_100bn
    return A @ system.stacked, A @ system.cov @ A.T


def _spec_model(system: SystemResult, weight: float, holders: list[str], responses: list[str], prior: Prior,
                pooled: list[bool]) -> SpecModel:
    f = system.factor_per_100bn
    idx = system.lag_indices(holders, responses)
    beta_hat = system.stacked[idx] * f
    V_beta = system.cov[np.ix_(idx, idx)] * f ** 2
    R, G, L1 = len(responses), len(holders), system.spec.lags + 1
    A = np.kron(np.eye(R * G), np.ones((1, L1)))  # sums each (response, holder) lag block
    theta_hat, V_theta = A @ beta_hat, A @ V_beta @ A.T
    gain = np.linalg.solve(V_theta, A @ V_beta).T
    cond = V_beta - gain @ A @ V_beta
    z0, P = _holder_prior(prior, responses, G)
    z_post, P_post = normal_update(z0, P, theta_hat, V_theta, np.eye(R * G))
    return SpecModel(label=system.spec.label, lags=system.spec.lags, weight=float(weight), inference=system.inference,
                     beta_hat=beta_hat, beta_factor=_factor(V_beta), theta_hat=theta_hat, V_theta=V_theta,
                     gain=gain, cond_factor=_factor(cond), z_post=z_post, z_factor=_factor(P_post), P_post=P_post,
                     pool_post=pool_weights(P_post, responses, pooled), pool_data=pool_weights(V_theta, responses, pooled))
