/** The FLOP Lab page: header, experiment on the left, the run and its compute on the right. */
import type { LabStore } from '../store/labStore';
import { AccuracyChart } from './AccuracyChart';
import { Banners } from './Banners';
import { CarbonPanel } from './CarbonPanel';
import { ExperimentPanel } from './ExperimentPanel';
import { Footer } from './Footer';
import { Header } from './Header';
import { KernelBreakdown } from './KernelBreakdown';
import { KeyFigures } from './KeyFigures';
import { LabStoreProvider } from './labContext';
import { LossChart } from './LossChart';
import { MethodComparison } from './MethodComparison';
import { MonitorsCard } from './MonitorsCard';
import { PreviewCard } from './PreviewStrip';
import { RunControls } from './RunControls';
import { StepAnatomy } from './StepAnatomy';
import './styles.css';

export function App({ store }: { store: LabStore }) {
  return (
    <LabStoreProvider store={store}>
      <div className="app">
        <Header />
        <Banners />
        <main className="layout">
          <aside className="sidebar">
            <ExperimentPanel />
          </aside>
          <div className="workspace">
            <RunControls />
            <KeyFigures />
            <div className="chart-grid">
              <LossChart />
              <AccuracyChart />
              <PreviewCard />
              <MonitorsCard />
              <KernelBreakdown />
              <MethodComparison />
              <StepAnatomy />
              <CarbonPanel />
            </div>
          </div>
        </main>
        <Footer />
      </div>
    </LabStoreProvider>
  );
}
