/** Where one step's FLOPs go: by phase, by model component, and which kernels have no formula. */
import type { Phase } from '../../train/records';
import { Card } from '../../ui/Card';
import { formatInteger } from '../../ui/format';
import { sortedEntries } from './kernelRows';
import { useLab } from '../../ui/labContext';
import { ShareBars } from '../../ui/charts/ShareBars';

const PHASES: Phase[] = ['forward', 'backward', 'optimizer'];

export function StepAnatomy() {
  const profile = useLab((s) => s.profile);
  const phases = profile ? PHASES.map((p) => ({ name: p, value: profile.byPhase[p] ?? 0 })) : [];
  const components = profile ? sortedEntries(profile.byComponent) : [];
  const componentHeight = Math.max(150, 34 * Math.max(components.length, 4) + 20);
  const ratio = profile && profile.byPhase.forward > 0 ? profile.byPhase.backward / profile.byPhase.forward : null;

  return (
    <Card
      title="Anatomy of one step"
      subtitle={ratio !== null ? `backward / forward = ${ratio.toFixed(2)}× (≈2× expected for matmuls)` : 'by phase and by model component'}
      className="card-wide"
      testId="step-anatomy"
    >
      <div className="anatomy">
        <div>
          <h3 className="subheading">By phase</h3>
          <ShareBars data={phases} height={150} testId="phase-chart" empty="No profile yet." />
        </div>
        <div>
          <h3 className="subheading">By component</h3>
          <ShareBars data={components} height={componentHeight} testId="component-chart" empty="No profile yet." />
        </div>
      </div>
      <UncountedKernels uncounted={profile?.uncounted ?? null} />
    </Card>
  );
}

function UncountedKernels({ uncounted }: { uncounted: Record<string, number> | null }) {
  const entries = uncounted ? sortedEntries(uncounted) : [];
  return (
    <div className="uncounted" data-testid="uncounted-kernels">
      <h3 className="subheading">Kernels without a FLOP formula (counted as 0)</h3>
      {uncounted === null ? (
        <p className="muted">Known after the first profiled step.</p>
      ) : entries.length === 0 ? (
        <p className="muted">none</p>
      ) : (
        <ul className="chips">
          {entries.map((e) => (
            <li key={e.name} className="chip">
              {e.name} <span className="chip-count">×{formatInteger(e.value)}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
