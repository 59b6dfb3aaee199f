/**
 * Runs the configured transfer evaluation for a run: segmentation fine-tuning of
 * a copy of the encoder (or of a random one, the from-scratch baseline) on the
 * ADE-like set, repeated over seeds, reported as the median mIoU. Its FLOPs are
 * counted by the fine-tuning's own counter and kept apart from pre-training.
 */
import type { VitEncoder } from '../models/vit';
import { transferEvaluation } from '../transfer/finetune';
import type { ExperimentConfig } from './config';
import type { TransferProgress, TransferRecord } from './records';

export interface TransferPoint {
  init: 'pretrained' | 'scratch';
  /** Pre-training steps done and their cumulative FLOPs (0 for scratch). */
  step: number;
  pretrainFlops: number;
}

/** The config's transfer settings without the scheduling fields. */
function segSettingsOf(config: ExperimentConfig) {
  const { kind: _kind, at: _at, ...settings } = config.transfer;
  return settings;
}

/** Pre-training steps (1-based) after which to fine-tune: the checkpoints and the last step. */
export function transferSteps(config: ExperimentConfig): Set<number> {
  if (config.transfer.kind === 'none') return new Set();
  return new Set([...config.transfer.at, config.steps]);
}

export async function runTransfer(
  config: ExperimentConfig,
  encoder: VitEncoder | null,
  point: TransferPoint,
  opts: { onProgress?: (p: TransferProgress) => void; shouldStop?: () => boolean } = {},
): Promise<TransferRecord | null> {
  const settings = segSettingsOf(config);
  const result = await transferEvaluation({
    model: config.model,
    init: point.init === 'pretrained' ? encoder : null,
    settings,
    seed: config.seed,
    shouldStop: opts.shouldStop,
    onProgress: (seedIndex: number, fineTuneStep: number) =>
      opts.onProgress?.({
        init: point.init,
        step: point.step,
        seedIndex,
        seeds: settings.seeds,
        fineTuneStep,
        fineTuneSteps: settings.steps,
      }),
  });
  if (opts.shouldStop?.()) return null;
  return {
    init: point.init,
    step: point.step,
    pretrainFlops: point.pretrainFlops,
    miou: result.median,
    runs: result.runs.map((r) => ({ seed: r.seed, miou: r.miou, pixelAccuracy: r.pixelAccuracy, perClassIoU: r.perClassIoU, flops: r.flops })),
    finetuneFlops: result.flops,
  };
}
