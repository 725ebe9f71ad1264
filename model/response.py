"""The response model: from the estimates to joint draws of how yields respond to purchases.

One model, estimated once and drawn many times, serves every scenario. Three response sources:

``posterior`` (the default)
    Each estimated holder group's short-run cumulative effect (the sum of its distributed-lag
    coefficients, bp per $100bn, every maturity) is combined with a literature prior by the
    closed-form normal update, in every weighted specification of the grid.

    *The prior* (:class:`Prior`, from ``envelope.prior``) speaks to the 10-year level only:
    ``theta_g,10y ~ N(m0, s0^2)``. Its structure across maturities is the data's: holder ``g``'s
    prior is ``theta_g ~ N(m0 b_g, (s0^2 / V_g,10y) V_g)`` with ``V_g`` the covariance of the
    holder's estimates across maturities and ``b_g = V_g[:, 10y] / V_g,10y`` their loading on the
    10-year (Zellner's g-prior). The loading comes from the estimates' covariance (how the
    maturities' errors move together), not from the estimates themselves, so no estimate is
    used twice. Consequences: every maturity is shrunk by the same fraction
    ``k_g = s0^2 / (s0^2 + V_g,10y)``, each posterior lies between its prior and its estimate,
    and the joint update across maturities equals the scalar one at every maturity.

    Each holder is updated with its own estimates only (limited information): another holder's
    estimate, whose sampling error is correlated with this one's, does not move it, so a holder
    whose coefficient measures something else (reverse causality, custody) cannot contaminate
    the others through that correlation. The posterior draws of different holders keep the
    estimates' sampling correlation, shrunk by both (``k_g k_h V_gh``; see :func:`_spec_model`).

    *Conflict*: a holder whose 10-year estimate (mixed over the grid) conflicts with the prior
    (Box's prior-predictive z beyond the critical value of ``conflict_level``) keeps a flat prior
    (its posterior is its estimate), is flagged, and leaves the pool.

    *The pool*: groups without an estimate of their own get the precision-weighted average of
    the posteriors of the pool members not in conflict, plus one holder's own spread
    ``eta ~ N(0, tau^2 Omega)`` (``Omega`` the cross-maturity shape of the pooled estimate's
    covariance, 1 at the 10-year). ``tau`` has a half-normal hyperprior and is integrated over:
    its posterior on a grid multiplies the hyperprior by the restricted likelihood of the
    members' 10-year estimates (their differences), and each draw takes its own ``tau``.
``data``
    The same draws without the prior: lag coefficients from the joint estimate of a drawn
    specification; groups without their own estimate get the precision-weighted average of the
    pool members' estimates plus the between-holder spread.
``literature``
    The envelope of published effects (low, central, high), deterministic.

Draws pick a specification by its weight (the grid's stacking weights), draw ``theta`` from its
posterior and the lag coefficients given ``theta`` from the data.

Persistence. Within a specification's lag window the response follows the drawn lag
coefficients; afterwards a share ``pi`` of the cumulative effect persists and the rest decays
with the envelope's half-life. ``pi`` has a Beta prior (mean: the literature's long-run /
short-run ratio) times the likelihood of the tool's own long-lag estimate
(:mod:`model.estimate.persistence`); it is drawn from that posterior (a fine grid, inverse CDF).
So every path separates a peak (which decays) from a persistent level.

Units: internally, effects are bp per $100bn of purchases at today's debt (the regressions'
own sign: negative = purchases lower yields) and flows are $bn a month, purchases positive.
Everything the model reports (:meth:`ResponseModel.posterior_table`, :meth:`describe`,
:meth:`summary`) is per $100bn **sold**: positive = sales raise yields.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.estimate.grid import GridResult
from model.estimate.literature import (
    LiteratureConfig,
    LiteratureEnvelope,
    envelope_path,
)
from model.estimate.persistence import PersistenceResult
from model.estimate.system import SystemResult
from model.stats import sorted_row_percentiles, z_critical

SOURCES = ("posterior", "data", "literature")
HEADLINE = "10y"  # the maturity the prior speaks to
GRID_CELLS = 4000  # cells of the grids on which the lasting share and tau are drawn
DRAW_TABLE = 2 ** 18  # points of the tabulated inverse CDF the draws interpolate


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
    """The literature prior on a holder's short-run cumulative effect (bp per $100bn **bought**
    today: negative = purchases lower yields), at the 10-year; its shape across maturities is
    the data's (:meth:`holder_moments`)."""

    mean_10y: float
    sd_10y: float
    between_holder_sd_10y: float = 0.0  # sqrt(E[tau^2]) under tau's posterior
    between_holder_rule: str = ""
    basis: str = "debt_public"

    def holder_moments(self, V: np.ndarray, j10: int) -> tuple[np.ndarray, np.ndarray]:
        """The g-prior of one holder whose estimates across maturities have covariance ``V``:
        mean ``m0 V[:, 10y] / V[10y, 10y]``, covariance ``s0^2 V / V[10y, 10y]``."""
        v10 = V[j10, j10]
        return self.mean_10y * V[:, j10] / v10, (self.sd_10y ** 2 / v10) * V


@dataclass(frozen=True)
class GridPosterior:
    """A posterior on a bounded interval, kept on a fine grid (piecewise-constant density) and
    drawn by inverse CDF: the lasting share and the between-holder sd."""

    edges: np.ndarray  # (n + 1,)
    cdf: np.ndarray  # (n + 1,) at the edges, 0 to 1

    @classmethod
    def from_log_density(cls, edges: np.ndarray, log_density: np.ndarray) -> GridPosterior:
        """From the log density (up to a constant) at the cells' midpoints."""
        log_density = np.where(np.isfinite(log_density), log_density, -np.inf)
        mass = np.exp(log_density - log_density.max()) * np.diff(edges)
        cdf = np.concatenate([[0.0], np.cumsum(mass)])
        return cls(edges=edges, cdf=cdf / cdf[-1])

    @property
    def mids(self) -> np.ndarray:
        return (self.edges[1:] + self.edges[:-1]) / 2

    @property
    def _mass(self) -> np.ndarray:
        return np.diff(self.cdf)

    @property
    def mean(self) -> float:
        return float(self._mass @ self.mids)

    @property
    def sd(self) -> float:
        # within a cell the density is flat: add each cell's own variance (width^2 / 12)
        second = float(self._mass @ (self.mids ** 2 + np.diff(self.edges) ** 2 / 12))
        return float(np.sqrt(max(second - self.mean ** 2, 0.0)))

    @property
    def rms(self) -> float:
        """``sqrt(E[x^2])``."""
        return float(np.sqrt(self._mass @ (self.mids ** 2 + np.diff(self.edges) ** 2 / 12)))

    def quantile(self, q) -> np.ndarray:
        """Inverse CDF (linear within a cell)."""
        return np.interp(q, self.cdf, self.edges)

    @functools.cached_property
    def _table(self) -> np.ndarray:
        return self.quantile(np.linspace(0.0, 1.0, DRAW_TABLE + 1))

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Values for uniform draws ``u``: the inverse CDF tabulated at ``DRAW_TABLE + 1``
        equally spaced probabilities and interpolated linearly (no search per draw, so a draw
        costs about what a Beta draw did)."""
        x = u * DRAW_TABLE
        i = np.minimum(x.astype(np.int64), DRAW_TABLE - 1)
        table = self._table
        return table[i] + (x - i) * (table[i + 1] - table[i])

    def band(self) -> dict:
        p05, p50, p95 = self.quantile([0.05, 0.5, 0.95])
        return {"median": round(float(p50), 6), "p05": round(float(p05), 6), "p95": round(float(p95), 6)}


def lasting_share_posterior(prior_mean: float, prior_sd: float, data: PersistenceResult | None,
                            cells: int = GRID_CELLS) -> GridPosterior:
    """The Beta prior on the lasting share times the data's (Fieller) likelihood, on [0, 1]."""
    from scipy.special import xlog1py, xlogy

    a, b = beta_parameters(prior_mean, prior_sd)
    edges = np.linspace(0.0, 1.0, cells + 1)
    mids = (edges[1:] + edges[:-1]) / 2
    log_density = xlogy(a - 1, mids) + xlog1py(b - 1, -mids)
    if data is not None:
        log_density = log_density + data.loglik(mids)
    return GridPosterior.from_log_density(edges, log_density)


def restricted_loglik(tau: np.ndarray, estimates: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """Restricted (REML) log-likelihood of the between-holder sd ``tau`` from estimates
    ``theta_g ~ N(mu, tau^2 + cov)`` with ``mu`` unknown (integrated out with a flat prior): it
    depends on the estimates only through their differences. Up to a constant."""
    n = len(estimates)
    ones = np.ones(n)
    out = np.empty(len(tau))
    for i, t in enumerate(tau):
        S = cov + t ** 2 * np.eye(n)
        Si = np.linalg.inv(S)
        mu = (ones @ Si @ estimates) / (ones @ Si @ ones)
        r = estimates - mu
        out[i] = -0.5 * (np.linalg.slogdet(S)[1] + np.log(ones @ Si @ ones) + r @ Si @ r)
    return out


def between_holder_posterior(scale: float, estimates: np.ndarray, cov: np.ndarray, cells: int = 600
                             ) -> GridPosterior:
    """The between-holder sd: a half-normal hyperprior with ``scale`` times the restricted
    likelihood of the pooled groups' estimates (none with fewer than two groups: the
    hyperprior alone), on a grid to 6 scales."""
    edges = np.linspace(0.0, 6.0 * scale, cells + 1)
    mids = (edges[1:] + edges[:-1]) / 2
    log_density = -0.5 * (mids / scale) ** 2
    if len(estimates) >= 2:
        log_density = log_density + restricted_loglik(mids, estimates, cov)
    return GridPosterior.from_log_density(edges, log_density)


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
    prior_mean: np.ndarray  # (R G,) the g-prior's mean
    prior_var: np.ndarray  # (R G,) and variance
    scalar_mean: np.ndarray  # (R G,) each element's own scalar update (its prior and estimate only)
    scalar_var: np.ndarray
    loading: np.ndarray  # (R, G): each holder's estimates' loading on the 10-year
    between_shape: np.ndarray  # (R, R): Omega, the cross-maturity shape of a holder's own spread
    between_factor: np.ndarray  # its factor


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
    pool: list[str]  # estimated groups that inform the common (pooled) mean: the configured pool, not in conflict
    specs: list[SpecModel]
    prior: Prior
    persistence: GridPosterior  # the lasting share's posterior
    persistence_prior: tuple[float, float]  # the Beta prior's mean and sd
    persistence_data: dict | None  # the long-lag estimate (PersistenceResult.data_record())
    persistence_evidence: list[dict]
    half_life_months: float
    envelope: LiteratureEnvelope
    weights_rule: str
    baseline: str
    between_holder: GridPosterior | None = None  # tau's posterior (None: no spread)
    conflict: dict[str, dict] = field(default_factory=dict)  # holder -> Box's test at the 10-year
    prior_info: dict = field(default_factory=dict)  # how the prior was formed (LiteraturePrior)
    prior_sensitivity: list[dict] = field(default_factory=list)  # 10-year posteriors on the other basis
    controls: dict = field(default_factory=dict)  # baseline controls and the sensitivities, with why
    weights_text: str = ""
    notes: list[str] = field(default_factory=list)
    lasting_share: float | None = None  # a fixed persistence share for every draw (a sensitivity), else drawn

    # -- construction --------------------------------------------------------------------
    @classmethod
    def build(cls, grid: GridResult, envelope: LiteratureEnvelope, literature: LiteratureConfig, pool: list[str],
              persistence_evidence: list[dict] | None = None, persistence: PersistenceResult | None = None
              ) -> ResponseModel:
        """Prepare the per-specification data and posterior moments.

        Parameters
        ----------
        grid : GridResult
            The joint system under every specification (with its weights).
        envelope : LiteratureEnvelope
            :func:`~model.estimate.literature.envelope`: the prior (``envelope.prior``), the
            half-life and the persistence ratio.
        literature : LiteratureConfig
            Prior settings (conflict level, the between-holder hyperprior) and the persistence sd.
        pool : list of str
            Estimated holder groups that inform the pooled effect of groups without their own.
        persistence_evidence : list of dict, optional
            The local projections' evidence on persistence (:func:`persistence_evidence`),
            reported beside the share drawn.
        persistence : PersistenceResult, optional
            The tool's long-lag estimate of the lasting share; its likelihood multiplies the
            prior (without it, the share is drawn from the prior).
        """
        from scipy.special import ndtr

        first = grid.systems[0]
        responses = list(first.responses)
        if HEADLINE not in responses:
            raise ValueError(f"the response model needs the {HEADLINE} among the responses")
        j10 = responses.index(HEADLINE)
        holders = list(first.holder_terms)
        cfg = literature.prior
        lit_prior = envelope.prior
        if lit_prior is None:
            raise ValueError("the envelope carries no prior (build it with model.estimate.literature.envelope)")
        prior = Prior(mean_10y=-lit_prior.mean_10y, sd_10y=lit_prior.sd_10y, basis=lit_prior.basis)
        keep = [i for i, (s, w) in enumerate(zip(grid.systems, grid.weights, strict=True))
                if w > 0 or s.spec.label == grid.baseline]
        systems = [grid.systems[i] for i in keep]
        weights = np.array([grid.weights[i] for i in keep], dtype=float)
        weights = weights / weights.sum()
        data = [_theta(s, holders, responses) for s in systems]
        # Box's prior-predictive test per holder, on the 10-year estimate mixed over the grid
        G = len(holders)
        conflict = {}
        level = cfg.conflict_level
        for g, holder in enumerate(holders):
            i10 = j10 * G + g
            means = np.array([t[i10] for t, _ in data])
            variances = np.array([V[i10, i10] for _, V in data])
            mean = float(weights @ means)
            var = float(weights @ (variances + means ** 2) - mean ** 2)
            z = (mean - prior.mean_10y) / np.sqrt(var + prior.sd_10y ** 2)
            conflict[holder] = {"z": -float(z), "p_value": float(2 * ndtr(-abs(z))), "level": level,
                                "in_conflict": bool(abs(z) > z_critical(level))}
        in_conflict = [conflict[h]["in_conflict"] for h in holders]
        members = [h for h in holders if h in pool and not conflict[h]["in_conflict"]]
        notes = []
        if not members:
            members = [h for h in holders if h in pool]
            notes.append("every pooled group conflicts with the prior; the pool keeps them all")
        pooled = [h in members for h in holders]
        # the between-holder sd: hyperprior x the restricted likelihood of the members' 10-year estimates
        idx = [j10 * G + holders.index(h) for h in members]
        mix_mean = sum(w * t[idx] for w, (t, _) in zip(weights, data, strict=True))
        mix_cov = sum(w * (V[np.ix_(idx, idx)] + np.outer(t[idx], t[idx])) for w, (t, V) in zip(weights, data, strict=True))
        mix_cov = mix_cov - np.outer(mix_mean, mix_mean)
        tau = between_holder_posterior(cfg.between_holder_sd_scale_bp, mix_mean, mix_cov)
        prior = dataclasses.replace(
            prior, between_holder_sd_10y=tau.rms,
            between_holder_rule=(f"half-normal hyperprior (scale {cfg.between_holder_sd_scale_bp:g} bp) integrated "
                                 + (f"with the restricted likelihood of the 10-year estimates of {', '.join(members)}"
                                    if len(members) >= 2 else "alone: fewer than two pooled groups inform it")))
        specs = [_spec_model(s, w, holders, responses, prior, pooled, in_conflict)
                 for s, w in zip(systems, weights, strict=True)]
        lasting = lasting_share_posterior(envelope.persistence_mean, literature.persistence.sd, persistence)
        model = cls(
            responses=responses, holders=holders, pool=members, specs=specs, prior=prior, persistence=lasting,
            persistence_prior=(envelope.persistence_mean, literature.persistence.sd),
            persistence_data=persistence.data_record() if persistence is not None else None,
            persistence_evidence=list(persistence_evidence or []), half_life_months=envelope.half_life_months,
            envelope=envelope, weights_rule=grid.weights_rule, baseline=grid.baseline, between_holder=tau,
            conflict=conflict, prior_info=lit_prior.to_dict(), weights_text=grid.weights_text(), notes=notes,
            controls=_controls_record(grid, holders),
        )
        other = envelope.prior_other_basis
        if other is not None:
            alt = Prior(mean_10y=-other.mean_10y, sd_10y=other.sd_10y, basis=other.basis)
            alt_specs = [_spec_model(s, w, holders, responses, alt, pooled, in_conflict)
                         for s, w in zip(systems, weights, strict=True)]
            alt_model = dataclasses.replace(model, specs=alt_specs, prior=alt)
            table = alt_model.posterior_table()
            rows = table[table["maturity"] == HEADLINE]
            model.prior_sensitivity = [
                {"basis": other.basis, "holder": r.holder, "prior_mean": round(r.prior_mean, 6),
                 "prior_sd": round(r.prior_sd, 6), "posterior_mean": round(r.posterior_mean, 6),
                 "posterior_sd": round(r.posterior_sd, 6)} for r in rows.itertuples()]
        return model

    @property
    def weights(self) -> np.ndarray:
        return np.array([s.weight for s in self.specs])

    @property
    def persistence_mean(self) -> float:
        """The mean of the lasting share the draws use (its posterior)."""
        return self.persistence.mean

    @property
    def persistence_sd(self) -> float:
        return self.persistence.sd

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

    def in_conflict(self, holder: str) -> bool:
        """Whether a holder's own estimate conflicts with the prior (see :attr:`conflict`)."""
        return bool(self.conflict.get(holder, {}).get("in_conflict", False))

    @property
    def between_holder_var(self) -> float:
        """``E[tau^2]``: the variance of a holder's own spread at the 10-year."""
        return self.prior.between_holder_sd_10y ** 2

    # -- moments -------------------------------------------------------------------------
    def _moments(self, source: str, holder: str) -> tuple[np.ndarray, np.ndarray]:
        """Mixture mean and variance (over specifications) of one holder's cumulative effect,
        per response."""
        R, G = len(self.responses), len(self.holders)
        means, variances = [], []
        for s in self.specs:
            mean, cov, W = ((s.z_post, s.P_post, s.pool_post) if source == "posterior"
                            else (s.theta_hat, s.V_theta, s.pool_data))
            if self.is_own(holder):
                idx = np.arange(R) * G + self.holders.index(holder)
                m, v = mean[idx], np.diag(cov)[idx]
            else:
                m, v = W @ mean, np.diag(W @ cov @ W.T) + self.between_holder_var * np.diag(s.between_shape)
            means.append(m)
            variances.append(v)
        return _mixture(self.weights, np.array(means), np.array(variances))

    def _prior_moments(self, holder: str) -> tuple[np.ndarray, np.ndarray]:
        """Mixture moments of the prior (own: the g-prior; pooled: the prior of the pooled
        mean's shape widened by the between-holder spread)."""
        R, G = len(self.responses), len(self.holders)
        j10 = self.responses.index(HEADLINE)
        means, variances = [], []
        for s in self.specs:
            if self.is_own(holder):
                idx = np.arange(R) * G + self.holders.index(holder)
                means.append(s.prior_mean[idx])
                variances.append(s.prior_var[idx])
            else:
                shape = s.between_shape
                means.append(self.prior.mean_10y * shape[:, j10])
                variances.append((self.prior.sd_10y ** 2 + self.between_holder_var) * np.diag(shape))
        return _mixture(self.weights, np.array(means), np.array(variances))

    def _scalar_moments(self, holder: str) -> tuple[np.ndarray, np.ndarray]:
        R, G = len(self.responses), len(self.holders)
        idx = np.arange(R) * G + self.holders.index(holder)
        return _mixture(self.weights, np.array([s.scalar_mean[idx] for s in self.specs]),
                        np.array([s.scalar_var[idx] for s in self.specs]))

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
            data_mean, data_sd, posterior_mean, posterior_sd, scalar_posterior_mean,
            scalar_posterior_sd`` (the update of that maturity's prior with its own estimate
            alone), ``conflict_z``, ``in_conflict`` and ``note`` (why a posterior lies outside
            [prior, data], where it does), in bp per $100bn sold today (positive = sales raise
            yields), mixture moments over the grid.
        """
        holders = holders or {h: h for h in self.holders}
        rows = []
        for key, label in holders.items():
            own = self.is_own(key)
            prior_m, prior_s = self._prior_moments(key)
            data_m, data_s = self._moments("data", key)
            post_m, post_s = self._moments("posterior", key)
            scal_m, scal_s = self._scalar_moments(key) if own else (post_m, post_s)
            notes = self._notes(key, prior_m, data_m, post_m) if own else [""] * len(self.responses)
            for j, r in enumerate(self.responses):
                rows.append({"holder": key, "label": label, "estimate": "own" if own else "pooled",
                             "maturity": r, "prior_mean": -prior_m[j], "prior_sd": prior_s[j],
                             "data_mean": -data_m[j], "data_sd": data_s[j],
                             "posterior_mean": -post_m[j], "posterior_sd": post_s[j],
                             "scalar_posterior_mean": -scal_m[j], "scalar_posterior_sd": scal_s[j],
                             "conflict_z": self.conflict[key]["z"] if own else None,
                             "in_conflict": self.in_conflict(key), "note": notes[j]})
        return pd.DataFrame(rows)

    def _notes(self, holder: str, prior_m: np.ndarray, data_m: np.ndarray, post_m: np.ndarray) -> list[str]:
        """Why an own holder's posterior lies outside [prior, data] at a maturity ('' where it
        does not)."""
        R, G = len(self.responses), len(self.holders)
        g = self.holders.index(holder)
        out = []
        for j in range(R):
            lo, hi = sorted((prior_m[j], data_m[j]))
            tol = 1e-9 * max(1.0, abs(lo), abs(hi))
            if self.in_conflict(holder):
                out.append(f"in conflict with the prior (z = {self.conflict[holder]['z']:+.2f}): its posterior is "
                           "its own estimate")
                continue
            if lo - tol <= post_m[j] <= hi + tol:
                out.append("")
                continue
            i = j * G + g
            per_spec = all(min(s.prior_mean[i], s.theta_hat[i]) - tol <= s.z_post[i] <= max(s.prior_mean[i], s.theta_hat[i]) + tol
                           for s in self.specs)
            if per_spec:
                out.append("outside only after averaging over specifications: each specification's posterior lies "
                           "between its prior and its estimate, but noisier specifications are shrunk more")
            else:
                others = [h for h in self.holders if h != holder]
                out.append("the joint update moves it with the correlated estimates of "
                           + ", ".join(others) + " (their estimates and this one share sampling error)")
        return out

    # -- drawing -------------------------------------------------------------------------
    def _counts(self, n: int, seed: int) -> np.ndarray:
        """Draws per specification, by weight (the same for every pass over the draws)."""
        return np.random.default_rng(seed).multinomial(n, self.weights)

    def _chunks(self, source: str, counts: np.ndarray, seed: int, holders: list[str], chunk: int):
        """Yield ``(spec index, coefs (n, R, H, L+1), pi (n,))`` chunk by chunk.

        Each specification has its own random stream (``seed``, index), so a later pass over the
        draws regenerates exactly the same numbers. Within a specification every response and
        holder is drawn jointly; groups without an estimate of their own get the pooled effect
        plus a holder's own deviation, whose size ``tau`` is drawn once per draw from its
        posterior; the lasting share is drawn from its posterior last.
        """
        if source not in ("posterior", "data"):
            raise ValueError(f"unknown response source '{source}'")
        R, G = len(self.responses), len(self.holders)
        pooled_holders = [h for h, key in enumerate(holders) if not self.is_own(key)]
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
                if pooled_holders:  # the pooled groups' average plus a holder's own deviation
                    tau = (self.between_holder.draw(rng.random(m)) if self.between_holder is not None
                           else np.zeros(m))
                    for h in pooled_holders:
                        coefs[:, :, h, 0] = mu + tau[:, None] * (rng.standard_normal((m, R)) @ spec.between_factor.T)
                pi = self.persistence.draw(rng.random(m))  # drawn even when fixed, so the other draws stay the same
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
                # sorted, then read off: numpy's vectorised sort beats its selection of six order
                # statistics a row, and the same order statistics give the same percentiles
                buf.sort(axis=1)
                quantiles[self.responses[j]][:, t0:t1] = sorted_row_percentiles(buf, (5, 50, 95))
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
            covs.append(C + pooled_sq * self.between_holder_var * s.between_shape)
        w = self.weights
        mean = sum(wi * m for wi, m in zip(w, means, strict=True))
        cov = sum(wi * (C + np.outer(m, m)) for wi, m, C in zip(w, means, covs, strict=True)) - np.outer(mean, mean)
        return mean, cov

    # -- statsmodels-like API ------------------------------------------------------------
    def to_frame(self, holders: dict[str, str] | None = None) -> pd.DataFrame:
        """The posterior table (see :meth:`posterior_table`)."""
        return self.posterior_table(holders)

    def local_projection_verdict(self) -> str:
        """What the tool's local projections say about persistence (their late / early ratios
        where defined, shown, not used: the long-lag estimate is the data's evidence)."""
        usable = [e for e in self.persistence_evidence if e["late_to_early"] is not None]
        if not self.persistence_evidence:
            return "no local projections were run"
        if usable:
            ratios = ", ".join(f"{e['holder']} {e['late_to_early']:.2f}" for e in usable)
            return f"the tool's local projections give late / early ratios of {ratios} (shown, not used)"
        return ("the tool's local projections cannot measure it: no holder's response in the first months is "
                "distinguishable from zero with the sign of a demand effect (90% band), so a late / early ratio "
                "is undefined")

    def persistence_text(self) -> str:
        """One sentence: where the lasting share comes from and what the data add."""
        mean, sd = self.persistence_prior
        text = (f"a Beta prior with mean {mean:.2f} (the literature's long-run / short-run ratio) and sd {sd:.2f}")
        data = self.persistence_data
        if data is None:
            return f"The lasting share is drawn from {text}; no estimate of its own was made."
        share = "undefined" if data["lasting_share"] is None else f"{data['lasting_share']:.2f}"
        se = "undefined" if data["se"] is None else f"{data['se']:.2f}"
        flat = data["log_likelihood_range_0_to_1"] < 1.0
        return (f"The lasting share combines {text} with the tool's own estimate from {data['horizon_months']}-month "
                f"distributed lags ({share}, se {se}; "
                + ("the data's likelihood is nearly flat between 0 and 1, so the posterior stays close to the prior"
                   if flat else "the data move the posterior away from the prior")
                + f"): posterior mean {self.persistence.mean:.2f}, sd {self.persistence.sd:.2f}.")

    def describe(self) -> dict:
        """What is drawn: specifications and weights, controls, prior, conflict, pool,
        persistence (JSON-ready)."""
        loadings = np.array([s.loading for s in self.specs])  # (specs, R, G)
        mean = np.einsum("s,srg->rg", self.weights, loadings)
        spread = np.sqrt(np.einsum("s,srg->rg", self.weights, (loadings - mean) ** 2))
        loading = {h: {r: {"mean": round(float(mean[j, g]), 6), "sd_across_specifications": round(float(spread[j, g]), 6)}
                       for j, r in enumerate(self.responses)} for g, h in enumerate(self.holders)}
        tau = self.between_holder
        return {
            "specification_count": len(self.specs),
            "specification_weights": self.weights_rule,
            "specification_weights_rule": self.weights_text,
            "baseline_specification": self.baseline,
            "controls": self.controls,
            "inference": {"bootstrap": sum(s.inference == "bootstrap" for s in self.specs),
                          "hac": sum(s.inference == "hac" for s in self.specs),
                          "rule": "per specification, the wider of the joint HAC and the moving-block bootstrap "
                                  "covariance of the cumulative effects; every table quotes that standard error"},
            "prior": {"mean_10y_bp_per_100bn": round(-self.prior.mean_10y, 6),
                      "sd_10y_bp_per_100bn": round(self.prior.sd_10y, 6),
                      "basis": self.prior.basis,
                      "between_holder_sd_10y_bp_per_100bn": round(self.prior.between_holder_sd_10y, 6),
                      "between_holder_rule": self.prior.between_holder_rule,
                      "between_holder_sd_posterior": None if tau is None else
                      {**tau.band(), "mean": round(tau.mean, 6), "sd": round(tau.sd, 6)},
                      "source": self.prior_info.get("rule", ""),
                      "formation": _round_floats(self.prior_info),
                      "maturity_structure": ("the prior speaks to the 10-year only; across maturities each holder's "
                                             "prior has its estimates' own covariance (Zellner's g-prior) and mean "
                                             "the 10-year mean times their loading on the 10-year, so every "
                                             "maturity is shrunk by the same fraction"),
                      "maturity_loading_data": loading,
                      "other_basis": self.prior_sensitivity},
            "conflict": [{"holder": h, "z": round(c["z"], 6), "p_value": round(c["p_value"], 6), "level": c["level"],
                          "in_conflict": c["in_conflict"]} for h, c in self.conflict.items()],
            "pool": {"groups": list(self.pool), "excluded_in_conflict": [h for h in self.holders if self.in_conflict(h)]},
            "persistence": {"prior": {"mean": round(self.persistence_prior[0], 6), "sd": self.persistence_prior[1],
                                      "distribution": "beta",
                                      "source": "literature envelope: central long-run / short-run effect"},
                            "data": self.persistence_data,
                            "posterior": {"mean": round(self.persistence.mean, 6), "sd": round(self.persistence.sd, 6),
                                          **self.persistence.band()},
                            "text": self.persistence_text(),
                            "half_life_months": self.half_life_months,
                            "local_projections": self.persistence_evidence,
                            "why_not_local_projections": self.local_projection_verdict()},
            "holders_with_own_estimate": self.holders,
            "notes": self.notes,
        }

    def summary(self, holders: dict[str, str] | None = None, maturity: str = "10y") -> str:
        """Prior, data and posterior per holder for one maturity, and what is drawn."""
        table = self.posterior_table(holders)
        table = table[table["maturity"] == maturity]
        d = self.describe()
        tau = self.between_holder
        lines = [
            f"Response model: {len(self.specs)} specifications ({self.weights_text or self.weights_rule}; "
            f"baseline {self.baseline})",
            f"  prior ({HEADLINE}, short run): {-self.prior.mean_10y:+.2f} bp per $100bn sold, sd {self.prior.sd_10y:.2f} "
            f"({self.prior_info.get('rule', '')}); other maturities: the estimates' own structure (g-prior)",
            f"  between-holder sd: {self.prior.between_holder_rule}; posterior mean "
            f"{(tau.mean if tau is not None else 0.0):.2f}, root mean square {self.prior.between_holder_sd_10y:.2f}",
            f"  persistence: {self.persistence_text()} Transients decay with a {self.half_life_months:g}-month half-life.",
            f"  inference: {d['inference']['bootstrap']} specifications use the bootstrap, {d['inference']['hac']} the HAC "
            "covariance (the wider)",
        ]
        for rec in self.controls.get("sensitivities", {}).values():
            lines.append(f"  controls: {rec['why']}")
        for c in d["conflict"]:
            lines.append(f"  conflict test ({c['holder']}): z = {c['z']:+.2f}, p = {c['p_value']:.3f}"
                         + (" - in conflict: its posterior is its own estimate, and it leaves the pool" if c["in_conflict"] else ""))
        lines.append(f"  {'holder':<30}{'estimate':>9}{'prior':>16}{'data':>16}{'posterior':>16}{'scalar':>16}"
                     "   (bp per $100bn sold, mean (sd))")
        for r in table.itertuples():
            lines.append(f"  {r.label[:29]:<30}{r.estimate:>9}{f'{r.prior_mean:+.2f} ({r.prior_sd:.2f})':>16}"
                         f"{f'{r.data_mean:+.2f} ({r.data_sd:.2f})':>16}{f'{r.posterior_mean:+.2f} ({r.posterior_sd:.2f})':>16}"
                         f"{f'{r.scalar_posterior_mean:+.2f} ({r.scalar_posterior_sd:.2f})':>16}")
            if r.note:
                lines.append(f"  {'':<30}note: {r.note}")
        for s in self.prior_sensitivity:
            lines.append(f"  prior on the {s['basis']} basis ({s['prior_mean']:+.2f}, sd {s['prior_sd']:.2f}): "
                         f"{s['holder']} posterior {s['posterior_mean']:+.2f} (sd {s['posterior_sd']:.2f})")
        return "\n".join(lines)

    def to_dict(self, holders: dict[str, str] | None = None) -> dict:
        return {**self.describe(),
                "posterior": [{k: (_json_float(v) if isinstance(v, float) else v) for k, v in r.items()}
                              for r in self.posterior_table(holders).to_dict("records")]}

    def to_json(self, holders: dict[str, str] | None = None) -> str:
        return json.dumps(self.to_dict(holders), indent=2)


def _mixture(weights: np.ndarray, means: np.ndarray, variances: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of a mixture of normals (rows: components)."""
    w = weights[:, None]
    mean = (w * means).sum(axis=0)
    var = (w * (variances + means ** 2)).sum(axis=0) - mean ** 2
    return mean, np.sqrt(np.clip(var, 0, None))


def _json_float(value: float) -> float | None:
    """Rounded for JSON; a gap (NaN, e.g. no conflict test for a pooled holder) as None."""
    return round(float(value), 6) if np.isfinite(value) else None


def _round_floats(record: dict) -> dict:
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in record.items()}


def _controls_record(grid: GridResult, holders: list[str]) -> dict:
    """The baseline's controls and each sensitivity control set: why it is not weighted and the
    10-year effect of each estimated holder in the baseline specification with those controls."""
    base = next((s for s in grid.systems if s.spec.label == grid.baseline), grid.systems[0])
    out = {"baseline": list(base.spec.controls), "sensitivities": {}}
    for name, why in grid.sensitivities.items():
        label = base.spec.label.replace(f"/{base.spec.controls_name}/", f"/{name}/")
        twin = next((s for s in grid.systems if s.spec.label == label), None)
        effects = {}
        if twin is not None:
            for h in holders:
                value, se = twin.effect(h, HEADLINE)
                base_value, base_se = base.effect(h, HEADLINE)
                effects[h] = {"with": {"effect_bp_per_100bn": round(value, 6), "se_bp_per_100bn": round(se, 6)},
                              "baseline": {"effect_bp_per_100bn": round(base_value, 6), "se_bp_per_100bn": round(base_se, 6)}}
        out["sensitivities"][name] = {"why": why, "specification": label if twin is not None else None,
                                      "controls": list(twin.spec.controls) if twin is not None else None,
                                      "effect_10y": effects}
    return out


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
        measured = e_mean > z_critical() * e_se
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
                pooled: list[bool], conflict: list[bool] | None = None) -> SpecModel:
    """One specification's data and posterior moments (see the module docstring).

    Each holder is updated with its own estimates (every maturity) and its g-prior, which
    shrinks every maturity by the same fraction ``k_g = s0^2 / (s0^2 + V_g,10y)`` (1 for a
    holder in conflict: a flat prior). The posterior draws of different holders share the
    estimates' sampling correlation: ``theta = m0 + K (theta* - m0) + e`` with ``theta*`` drawn
    from the estimates' joint distribution and ``e`` independent across holders with
    covariance ``k_g (1 - k_g) V_g``, so each holder's posterior is exactly its own update and
    the cross-holder covariance is ``k_g k_h V_gh``.

    ``pooled`` marks the holders whose posteriors (and estimates) form the pooled effect;
    ``conflict`` the holders whose prior is set aside."""
    f = system.factor_per_100bn
    idx = system.lag_indices(holders, responses)
    beta_hat = system.stacked[idx] * f
    V_beta = system.cov[np.ix_(idx, idx)] * f ** 2
    R, G, L1 = len(responses), len(holders), system.spec.lags + 1
    conflict = conflict or [False] * G
    A = np.kron(np.eye(R * G), np.ones((1, L1)))  # sums each (response, holder) lag block
    theta_hat, V_theta = A @ beta_hat, A @ V_beta @ A.T
    gain = np.linalg.solve(V_theta, A @ V_beta).T
    cond = V_beta - gain @ A @ V_beta
    j10 = responses.index(HEADLINE)
    m0, prior_var, shrink = np.zeros(R * G), np.zeros(R * G), np.ones(R * G)
    loading = np.zeros((R, G))
    own_noise = np.zeros((R * G, R * G))
    scalar_mean, scalar_var = theta_hat.copy(), np.diag(V_theta).copy()
    for g in range(G):
        block = np.arange(R) * G + g
        V_g = V_theta[np.ix_(block, block)]
        mean, cov = prior.holder_moments(V_g, j10)
        m0[block], prior_var[block] = mean, np.diag(cov)
        loading[:, g] = V_g[:, j10] / V_g[j10, j10]
        if not conflict[g]:
            k = prior.sd_10y ** 2 / (prior.sd_10y ** 2 + V_g[j10, j10])
            shrink[block] = k
            own_noise[np.ix_(block, block)] = k * (1.0 - k) * V_g
            # each element's own scalar update: its prior and its estimate alone
            v, p = np.diag(V_g), np.diag(cov)
            scalar_var[block] = p * v / (p + v)
            scalar_mean[block] = (mean * v + theta_hat[block] * p) / (p + v)
    z_post = m0 + shrink * (theta_hat - m0)
    P_post = shrink[:, None] * V_theta * shrink[None, :] + own_noise
    P_post = (P_post + P_post.T) / 2
    pool_data = pool_weights(V_theta, responses, pooled)
    shape = pool_data @ V_theta @ pool_data.T
    shape = (shape + shape.T) / 2 / shape[j10, j10]
    return SpecModel(label=system.spec.label, lags=system.spec.lags, weight=float(weight), inference=system.inference,
                     beta_hat=beta_hat, beta_factor=_factor(V_beta), theta_hat=theta_hat, V_theta=V_theta,
                     gain=gain, cond_factor=_factor(cond), z_post=z_post, z_factor=_factor(P_post), P_post=P_post,
                     pool_post=pool_weights(P_post, responses, pooled), pool_data=pool_data,
                     prior_mean=m0, prior_var=prior_var, scalar_mean=scalar_mean, scalar_var=scalar_var,
                     loading=loading, between_shape=shape, between_factor=_factor(shape))
