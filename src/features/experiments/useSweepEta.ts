/** The sweep's ETA now (src/experiments/sweepEta.ts), ticking down every second while it runs: every view shows this one. */
import { etaLeftMs } from '../../experiments/sweepEta';
import { useLab } from '../../ui/labContext';
import { useClock } from '../../ui/useClock';

export function useSweepEta(): number | null {
  const sweep = useLab((s) => s.sweep);
  const now = useClock(sweep.status === 'running');
  return etaLeftMs(sweep, now);
}
