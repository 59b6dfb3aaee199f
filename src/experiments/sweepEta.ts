/**
 * One ETA for a sweep, used by every view (Experiments card, Runs card, talk mode, the API and
 * `npm run reproduce`; issue 19): the FLOPs left of every remaining run at that run's rate. A
 * run's FLOPs are its steps times its FLOPs per step, so this is "the steps left of every run at
 * its measured or estimated rate", in FLOPs so that runs not yet profiled need no step count.
 * The rate (wall ms per pre-training FLOP, evaluation included) is measured: from finished runs
 * of the same method and model, else from the run in progress if it is of that method and model,
 * else the mean of everything measured so far. Pure: no React, no tfjs.
 */

/** What the ETA needs of a run of the sweep. */
export interface PlannedRun {
  key: string;
  method: string;
  model: string;
  /** Pre-training FLOPs. */
  budget: number;
}

/** What the ETA needs of a finished run: its cost and its wall time. */
export interface MeasuredRun {
  key: string;
  method: string;
  model: string;
  flops: number;
  wallMs: number;
}

/** The run in progress, from its latest record. */
export interface LiveRun {
  key: string;
  flops: number;
  wallMs: number;
}

const groupOf = (r: { method: string; model: string }) => `${r.method}|${r.model}`;

/** Milliseconds until the last planned run ends; null while nothing is measured yet. */
export function sweepEtaMs(plan: readonly PlannedRun[], finished: readonly MeasuredRun[], live: LiveRun | null): number | null {
  const totals = new Map<string, { flops: number; ms: number }>();
  const add = (group: string, flops: number, ms: number) => {
    if (!(flops > 0) || !(ms > 0)) return;
    const t = totals.get(group) ?? { flops: 0, ms: 0 };
    totals.set(group, { flops: t.flops + flops, ms: t.ms + ms });
  };
  for (const r of finished) add(groupOf(r), r.flops, r.wallMs);
  const current = live ? plan.find((p) => p.key === live.key) : undefined;
  const liveRate = current && live && live.flops > 0 && live.wallMs > 0 ? live.wallMs / live.flops : null;
  if (current && liveRate !== null && !totals.has(groupOf(current))) add(groupOf(current), live!.flops, live!.wallMs);
  const all = [...totals.values()].reduce((a, t) => ({ flops: a.flops + t.flops, ms: a.ms + t.ms }), { flops: 0, ms: 0 });
  if (all.flops === 0) return null;
  const rateOf = (p: PlannedRun) => {
    const t = totals.get(groupOf(p)) ?? all;
    return t.ms / t.flops;
  };
  const done = new Set(finished.map((r) => r.key));
  let ms = 0;
  for (const p of plan) {
    if (done.has(p.key)) continue;
    const left = p.key === live?.key ? Math.max(0, p.budget - live.flops) : p.budget;
    ms += left * (p.key === live?.key && liveRate !== null ? liveRate : rateOf(p));
  }
  return ms;
}

/** The ETA as of `now`, counting down from when it was last computed (between records and runs). */
export function etaLeftMs(eta: { etaMs: number | null; etaAt: number | null }, now: number): number | null {
  if (eta.etaMs === null) return null;
  return Math.max(0, eta.etaMs - (eta.etaAt === null ? 0 : now - eta.etaAt));
}
