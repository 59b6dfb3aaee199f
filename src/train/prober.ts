/**
 * Where a run's probes run. The runner asks a Prober at each probe step; the Prober says when the
 * trainer may take its next step (`handoff`) and, later, what the probe scored (`result`).
 *
 * - `inlineProber` probes the trainer itself: the step waits for the whole probe (Node, WebGPU).
 * - `SnapshotProber` probes a copy of the weights on a trainer of its own. The page's worker runs
 *   one in a second Web Worker (src/worker/offThreadProber.ts), so on a CPU-bound backend the
 *   probe uses a core the training does not, and the step waits only for the weights to be read.
 *   Same config, same backend, same weights: the same kernels and the same scores, bit for bit.
 */
import type { ProbeScore } from '../eval/interval';
import type { ExperimentConfig } from './config';
import type { TensorData } from './checkpoint';
import { createTrainer, type Trainer } from './trainer';

/** What one probe step measures: the live probe, and at the ends the extra measures. */
export interface ProbeRequest {
  /** Completed steps the weights are at (0: the random-init baseline). */
  step: number;
  /** Also the same probe on the raw pixels (the baseline's template line). */
  rawPixels?: boolean;
  /** Also the linear probe of the readout (the baseline, and the run's last step). */
  linear?: boolean;
}

export interface ProbeOutcome {
  probe: ProbeScore & { patchMiou?: number; rawPixels?: ProbeScore };
  linear?: ProbeScore;
  /** Evaluation FLOPs of everything measured, counted from the kernels that ran. */
  flops: number;
  /** Wall ms the probe took where it ran. */
  ms: number;
  /** Set when it ran beside training (its ms are then not part of the run's evalMs). */
  offThread?: boolean;
}

interface ProbeTicket {
  /** Settles once the trainer may step again (the weights are read, or the probe is done). */
  handoff: Promise<void>;
  result: Promise<ProbeOutcome>;
}

export interface Prober {
  /** True when probes run beside training rather than in its path. */
  readonly offPath: boolean;
  start(trainer: Trainer, request: ProbeRequest): ProbeTicket;
  dispose(): void;
}

/** Runs `request` on `trainer` as it is now. */
async function probeTrainer(trainer: Trainer, request: ProbeRequest): Promise<ProbeOutcome> {
  const t0 = performance.now();
  const { flops: probeFlops, ...probe } = await trainer.probe({ rawPixels: request.rawPixels });
  const linear = request.linear ? await trainer.linearReadout() : undefined;
  const flops = probeFlops + (linear?.flops ?? 0);
  return { probe, ...(linear ? { linear: scoreOnly(linear) } : {}), flops, ms: performance.now() - t0 };
}

const scoreOnly = ({ accuracy, correct, total, interval }: ProbeScore): ProbeScore => ({ accuracy, correct, total, interval });

/** Probes the training trainer itself: the step waits for the probe. */
export const inlineProber: Prober = {
  offPath: false,
  start(trainer, request) {
    const result = probeTrainer(trainer, request);
    return { handoff: result.then(() => undefined), result };
  },
  dispose() {},
};

/**
 * A trainer of its own for `config`, set to weights it is sent, then probed. Its variables
 * (optimiser moments included) are allocated once, on the first probe.
 */
export class SnapshotProber {
  private trainer: Trainer | null = null;
  private loading: Promise<Trainer> | null = null;

  constructor(private readonly config: ExperimentConfig) {}

  async probe(weights: TensorData[], request: ProbeRequest): Promise<ProbeOutcome> {
    this.loading ??= createTrainer(this.config).then((t) => (this.trainer = t));
    const trainer = await this.loading;
    trainer.setWeights(weights);
    return probeTrainer(trainer, request);
  }

  dispose(): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.loading = null;
  }
}

/**
 * A SnapshotProber in this same thread, its scores handed back after `delay`: the runner's
 * ordering of late scores, tested without a second worker (here the step still waits for the probe).
 */
export function localSnapshotProber(config: ExperimentConfig, delay: () => Promise<void> = async () => {}): Prober {
  const snapshot = new SnapshotProber(config);
  return {
    offPath: true,
    start(trainer, request) {
      const weights = trainer.weights();
      // The probe is computed now, on the copy, so the training trainer's next step cannot interleave with its kernels.
      const outcome = weights.then((w) => snapshot.probe(w, request));
      // Marked as off-thread, as the second worker's would be: the runner's accounting is what this stands in for.
      return { handoff: outcome.then(() => undefined), result: outcome.then(async (o) => (await delay(), { ...o, offThread: true })) };
    },
    dispose: () => snapshot.dispose(),
  };
}
