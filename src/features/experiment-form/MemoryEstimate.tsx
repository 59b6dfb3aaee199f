/**
 * The run's estimated device memory, under the batch field: weights and AdamW state,
 * activations for the batch and its views, the largest tensor. Warned when it passes the
 * ceiling of the backend it will run on (the active one once known, else the chosen one,
 * else wasm's: the tightest known). The worker checks the live limits before a run starts.
 */
import { useMemo } from 'react';
import { estimateMemory } from '../../train/memoryEstimate';
import { staticMemoryLimits } from '../../train/memoryCeilings';
import { checkMemoryFits } from '../../train/memoryFit';
import { formatBytes } from '../../lib/bytes';
import { useLab } from '../../ui/labContext';

export function MemoryEstimate() {
  const config = useLab((s) => s.config);
  const active = useLab((s) => s.backend?.name);
  const estimate = useMemo(() => (config ? estimateMemory(config) : null), [config]);
  const backend = active ?? (config && config.backend !== 'auto' ? config.backend : 'wasm');
  const problem = useMemo(() => (estimate ? checkMemoryFits(estimate, staticMemoryLimits(backend)) : null), [estimate, backend]);
  if (!estimate) return null;
  const F = formatBytes;
  const details = [
    `weights ${F(estimate.paramsBytes)} (${estimate.trainableParams.toLocaleString('en-US')} trainable${estimate.frozenParams > 0 ? `, ${estimate.frozenParams.toLocaleString('en-US')} in the EMA teacher` : ''})`,
    `gradients ${F(estimate.gradientsBytes)}, AdamW moments ${F(estimate.adamBytes)}, optimiser step ${F(estimate.optimizerStepBytes)}`,
    `activations ${F(estimate.activationsBytes)} (batch ${estimate.config.batchSize} x ${estimate.passesPerImage} pass${estimate.passesPerImage > 1 ? 'es' : ''}), inputs ${F(estimate.inputsBytes)}`,
    `probe images ${F(estimate.probeBytes)}, probe while it runs ${F(estimate.probeTransientBytes)}`,
    `largest tensor: ${estimate.largestTensor}`,
  ].join('\n');
  return (
    <div
      className={`memory-estimate${problem ? ' memory-estimate-warn' : ''}`}
      data-testid="memory-estimate"
      data-fits={problem ? 'false' : 'true'}
      title={details}
      role={problem ? 'alert' : undefined}
    >
      <div>
        Memory ≈ <strong className="memory-figure">{F(estimate.totalBytes)}</strong> (params + Adam <Figure bytes={estimate.paramsBytes + estimate.adamBytes} />
        , activations <Figure bytes={estimate.activationsBytes} />; largest tensor <Figure bytes={estimate.largestTensorBytes} />)
      </div>
      {problem && (
        <div className="memory-estimate-problem">
          Too big for the {backend} backend. {problem.message}
        </div>
      )}
    </div>
  );
}

/** A byte count kept on one line. */
const Figure = ({ bytes }: { bytes: number }) => <span className="memory-figure">{formatBytes(bytes)}</span>;
