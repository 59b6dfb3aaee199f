/** Product name, tagline and the backend the lab runs on. */
import { BackendBadge, BackendReason } from './BackendBadge';

export function Header() {
  return (
    <header className="app-header">
      <div className="app-header-row">
        <div className="brand">
          <h1 className="brand-name">
            FLOP<span className="brand-accent"> Lab</span>
          </h1>
          <p className="brand-tagline">Train small Vision Transformers in the browser and count the FLOPs of every kernel that runs.</p>
        </div>
        <BackendBadge />
      </div>
      <BackendReason />
    </header>
  );
}
