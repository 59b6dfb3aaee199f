/** Pure figures derived from the store state for the panels (no React here). */
import type { CarbonParams } from '../carbon/co2';
import { MODEL_PRESETS } from '../models/presets';
import type { VitConfig } from '../models/vit';
import type { LabState, RunStatus } from '../store/labStore';
import { defaultConfig, type ExperimentInput } from '../train/config';
import type { TrainRecord } from '../train/records';

/** Every default of the schema, used to show values the input leaves out. */
export const DEFAULT_CONFIG = defaultConfig();

export const isRunActive = (status: RunStatus): boolean => status === 'starting' || status === 'running' || status === 'paused';

/** The model the current input describes, even while another field is invalid. */
export function resolvedModel(input: ExperimentInput, state: Pick<LabState, 'config'>): VitConfig | null {
  if (state.config) return state.config.model;
  const model = input.model ?? 'toy-B';
  if (typeof model === 'string') return model in MODEL_PRESETS ? MODEL_PRESETS[model] : null;
  return model as VitConfig;
}

/** Encoder parameters: blocks (attention 4d² + MLP 2·d·mlp) + patch embedding + class token. */
export function estimateParams(m: VitConfig): number {
  const blocks = m.depth * (4 * m.dim * m.dim + 2 * m.dim * m.mlpDim);
  const patchEmbed = (m.patchSize * m.patchSize * 3 + 1) * m.dim;
  return blocks + patchEmbed + m.dim;
}

/** Carbon parameters as edited now (falling back to the run's, then the defaults). */
export function activeCarbon(state: Pick<LabState, 'input' | 'config' | 'runConfig'>): CarbonParams {
  return state.config?.carbon ?? state.runConfig?.carbon ?? { ...DEFAULT_CONFIG.carbon, ...state.input.carbon };
}

/** Mean of the last `n` records' stepMs (each is already a mean over a log interval). */
export function recentStepMs(records: TrainRecord[], n = 5): number | null {
  const recent = records.slice(-n).filter((r) => Number.isFinite(r.stepMs) && r.stepMs > 0);
  if (recent.length === 0) return null;
  return recent.reduce((sum, r) => sum + r.stepMs, 0) / recent.length;
}

/** The last record where `key` is defined. */
export function lastWith<K extends keyof TrainRecord>(records: TrainRecord[], key: K): TrainRecord | undefined {
  for (let i = records.length - 1; i >= 0; i--) if (records[i][key] !== undefined) return records[i];
  return undefined;
}

/** Whether any record carries method monitors (DINO teacher entropy, CLIP logit scale). */
export const hasMonitors = (records: TrainRecord[]): boolean => records.some((r) => r.monitors !== undefined && Object.keys(r.monitors).length > 0);
