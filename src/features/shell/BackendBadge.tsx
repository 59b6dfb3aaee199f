/** Which backend runs and on which adapter; the reason is in `BackendReason`. */
import { useLab } from '../../ui/labContext';

export function BackendBadge() {
  const backend = useLab((s) => s.backend);
  if (!backend) {
    return (
      <div className="backend-badge" aria-busy="true">
        <span className="backend-name backend-pending">starting backend…</span>
        <span className="backend-detail">detecting WebGPU / wasm / cpu</span>
      </div>
    );
  }
  const a = backend.adapter;
  const adapterText = a
    ? [a.description || a.device, a.vendor, a.architecture].filter(Boolean).join(' · ') || 'adapter details hidden by the browser'
    : backend.name === 'wasm'
      ? 'on the CPU (WebAssembly)'
      : backend.name === 'cpu'
        ? 'on the CPU (plain JavaScript)'
        : 'no GPU adapter';
  return (
    <div className="backend-badge" title={backend.reason}>
      <div className="backend-line">
        <span className="backend-label">backend</span>
        <span className={`backend-name backend-${backend.name}`} data-testid="backend-name">
          {backend.name}
        </span>
        {(backend.features ?? (backend.timestampQuery ? ['timestamp-query'] : [])).map((f) => (
          <span key={f} className="tag" title="WebGPU feature granted to the device">
            {f}
          </span>
        ))}
        {backend.isSoftware && <span className="tag tag-warn">software</span>}
      </div>
      <span className="backend-detail" data-testid="backend-adapter">
        {adapterText}
      </span>
    </div>
  );
}

/** One always-present line saying why this backend runs (choice or fallback cause). */
export function BackendReason() {
  const reason = useLab((s) => s.backend?.reason);
  return (
    <div className="backend-reason" data-testid="backend-reason">
      <span className="backend-reason-label">Why this backend</span>
      <span>{reason ?? 'asking the worker which backends this browser offers…'}</span>
    </div>
  );
}
