/** Messages above the workspace: software adapter, backend failure, a collapsed representation, notices (dismissible). */
import { useLab, useLabStore } from '../../ui/labContext';

export function Banners() {
  const store = useLabStore();
  const isSoftware = useLab((s) => s.backend?.isSoftware === true);
  const backendError = useLab((s) => s.backendError);
  const notice = useLab((s) => s.notice);
  // The latest logged step's verdict: a collapse shows while it lasts (src/train/collapse.ts).
  const latest = useLab((s) => s.records[s.records.length - 1]);
  const collapse = latest?.collapse ?? null;
  const running = useLab((s) => s.status === 'starting' || s.status === 'running' || s.status === 'paused');

  const switchToWasm = () => {
    const s = store.getState();
    s.setInput({ backend: 'wasm' });
    void s.initBackend();
  };

  if (!isSoftware && !backendError && !notice && !collapse) return null;
  return (
    <div className="banners">
      {isSoftware && (
        <div className="alert alert-warn" role="status" data-testid="software-warning">
          <span>
            <strong>software WebGPU adapter (SwiftShader):</strong> correct but slow; wasm is usually faster here.
          </span>
          <button className="btn btn-small" onClick={switchToWasm} disabled={running} data-testid="switch-to-wasm">
            Switch to wasm
          </button>
        </div>
      )}
      {backendError && (
        <div className="alert alert-error" role="alert" data-testid="backend-error">
          <span>
            <strong>Backend failed:</strong> {backendError}
          </span>
        </div>
      )}
      {collapse && (
        <div className="alert alert-warn" role="status" data-testid="collapse-warning">
          <span>
            <strong>Representation collapsed at step {latest?.step}:</strong> {collapse}. Its probe measures nothing this method learnt.
          </span>
        </div>
      )}
      {notice && (
        <div className="alert alert-info" role="status" data-testid="notice">
          <span>{notice}</span>
          <button className="btn btn-small btn-ghost" aria-label="Dismiss" data-testid="dismiss-notice" onClick={() => store.setState({ notice: null })}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
