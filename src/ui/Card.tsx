/** A titled panel: every chart and form sits in one. */
import type { ReactNode } from 'react';

interface CardProps {
  title: string;
  subtitle?: ReactNode;
  actions?: ReactNode;
  className?: string;
  testId?: string;
  children: ReactNode;
}

export function Card({ title, subtitle, actions, className, testId, children }: CardProps) {
  return (
    <section className={`card ${className ?? ''}`} data-testid={testId}>
      <header className="card-header">
        <div>
          <h2 className="card-title">{title}</h2>
          {subtitle && <div className="card-subtitle">{subtitle}</div>}
        </div>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** Fills a chart's reserved area while there is nothing to plot, so nothing jumps. */
export function EmptyChart({ height, children }: { height: number; children: ReactNode }) {
  return (
    <div className="chart-empty" style={{ height }}>
      {children}
    </div>
  );
}
