/**
 * A run as the lab keeps it: everything the page shows about it (config,
 * backend and adapter, records, baseline, FLOP profile, transfer results),
 * with its status and name. Plain JSON: stored in IndexedDB, exported to and
 * imported from results files.
 */
import type { ExperimentConfig } from '../train/config';
import type { ProbeBaseline, StepProfile, TrainRecord, TransferRecord } from '../train/records';
import type { BackendInfo } from '../engine/backendIds';

type StoredRunStatus = 'running' | 'paused' | 'done' | 'stopped' | 'error' | 'diverged' | 'interrupted';

export interface StoredRun {
  id: string;
  name: string;
  /** ms since the epoch. */
  createdAt: number;
  updatedAt: number;
  status: StoredRunStatus;
  /** Why it ended, for error / diverged / interrupted runs. */
  reason?: string;
  config: ExperimentConfig;
  backend: BackendInfo | null;
  records: TrainRecord[];
  baseline: ProbeBaseline | null;
  /** FLOPs of one step by kernel, phase and component (null until the first step ran). */
  profile: StepProfile | null;
  transfer: TransferRecord[];
  /** Steps completed at the last stored checkpoint (resume continues from there); absent when none is stored. */
  checkpointStep?: number;
  /** The lab version that recorded it. */
  appVersion: string;
}

export const APP_VERSION = '0.2.0';
