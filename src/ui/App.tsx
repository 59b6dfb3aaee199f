/** The FLOP Lab page: header, experiment on the left, the run and its compute on the right. */
import type { LabStore } from '../store/labStore';
import { AccuracyChart } from './AccuracyChart';
import { Banners } from './Banners';
import { CarbonPanel } from './CarbonPanel';
import { ExperimentPanel } from './ExperimentPanel';
import { ExperimentsCard } from './ExperimentsCard';
import { Footer } from './Footer';
import { Header } from './Header';
import { KernelBreakdown } from './KernelBreakdown';
import { KeyFigures } from './KeyFigures';
import { LabStoreProvider } from './labContext';
import { LossChart } from './LossChart';
import { MethodComparison } from './MethodComparison';
import { MonitorsCard } from './MonitorsCard';
import { PaperScale } from './PaperScale';
import { PreviewCard } from './PreviewStrip';
import { RunControls } from './RunControls';
import { RunsCard } from './RunsCard';
import { StepAnatomy } from './StepAnatomy';
import { DatasetExplorer } from './DatasetExplorer';
import { ImportPanel } from './ImportPanel';
import { useStore } from 'zustand';
import { TransferCard } from './TransferCard';
import './styles.css';

/** The import panel, wired to the store (which sends the bytes to the worker and keeps the set). */
function ImportCard({ store }: { store: LabStore }) {
  const report = useStore(store, (s) => s.imported);
  const kept = useStore(store, (s) => s.importKept);
  return (
    <ImportPanel
      report={report}
      kept={kept}
      onImport={(payload, onProgress) => store.getState().importImages(payload, onProgress)}
      onForget={() => store.getState().forgetImported()}
    />
  );
}

export function App({ store }: { store: LabStore }) {
  return (
    <LabStoreProvider store={store}>
      <div className="app">
        <Header />
        <Banners />
        <main className="layout">
          <aside className="sidebar">
            <ExperimentPanel />
            <ImportCard store={store} />
          </aside>
          <div className="workspace">
            <RunControls />
            <KeyFigures />
            <div className="chart-grid">
              <LossChart />
              <AccuracyChart />
              <TransferCard />
              <ExperimentsCard />
              <RunsCard />
              <PreviewCard />
              <MonitorsCard />
              <KernelBreakdown />
              <MethodComparison />
              <PaperScale />
              <StepAnatomy />
              <CarbonPanel />
              <DatasetExplorer />
            </div>
          </div>
        </main>
        <Footer />
      </div>
    </LabStoreProvider>
  );
}
