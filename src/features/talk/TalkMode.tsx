/**
 * Talk mode (`#demo=<id>`): one preset's sweep on a full dark screen for a
 * presenter. The title and question, the accuracy-vs-compute chart as large
 * as the screen allows, one status line, and keys instead of controls:
 * Space start / pause / resume, S stop, C configuration, X x axis, Esc lab.
 * It drives the same store as the lab (runSweep, pause, resume, stopSweep),
 * so a sweep started here is an ordinary stored sweep.
 */
import { useClock } from '../../ui/useClock';
import { useSweepEta } from '../experiments/useSweepEta';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { LabStore } from '../../store/labStore';
import { experimentPreset, presetSpec, type ExperimentPreset } from '../../experiments/presets';
import { expandSweep, type SweepRun, type SweepSpec } from '../../experiments/sweep';
import type { SweepPoint } from '../../experiments/sweepResults';
import type { DemoRoute } from './demoRoute';
import { formatDuration, formatFlops } from '../../ui/format';
import { LabStoreProvider, useLab } from '../../ui/labContext';
import { SweepChart } from '../experiments/SweepChart';
import './talk.css';

type XAxis = 'flops' | 'hours' | 'co2';
const X_AXES: readonly XAxis[] = ['flops', 'hours', 'co2'];
const X_AXIS_NAMES: Record<XAxis, string> = { flops: 'FLOPs', hours: 'hours', co2: 'kg CO2' };

interface TalkProps {
  store: LabStore;
  route: Extract<DemoRoute, { kind: 'demo' }>;
  /** Back to the normal lab (Esc): clears the hash. */
  onLeave(): void;
}

export function TalkMode(props: TalkProps) {
  return (
    <LabStoreProvider store={props.store}>
      <TalkView {...props} />
    </LabStoreProvider>
  );
}

function TalkView({ store, route, onLeave }: TalkProps) {
  const preset = experimentPreset(route.presetId);
  const spec = useMemo(() => presetSpec(preset, route.backend ? { backend: route.backend } : {}), [preset, route.backend]);
  const runs = useMemo(() => expandSweep(spec), [spec]);
  const [showConfig, setShowConfig] = useState(false);
  const [xAxis, setXAxis] = useState<XAxis>('flops');
  const [problem, setProblem] = useState<string | null>(null);

  const sweep = useLab((s) => s.sweep);
  // The store holds one sweep; only this preset's belongs on this screen.
  const mine = sweep.preset === preset.id;
  const points = mine ? sweep.results : [];

  const actions = useMemo(() => talkActions(store, preset, spec, setProblem), [store, preset, spec]);
  const keys: Record<string, () => void> = {
    ' ': actions.toggle,
    s: actions.stop,
    c: () => setShowConfig((v) => !v),
    x: () => setXAxis((x) => X_AXES[(X_AXES.indexOf(x) + 1) % X_AXES.length]),
    escape: onLeave,
  };
  useKeys(keys);

  // `&autostart=1`: start once on arrival (a ref, since StrictMode mounts effects twice).
  const autostarted = useRef(false);
  useEffect(() => {
    if (!route.autostart || autostarted.current) return;
    autostarted.current = true;
    if (!(store.getState().sweep.status === 'running' && store.getState().sweep.preset === preset.id)) actions.toggle();
  }, [route.autostart, store, preset.id, actions]);

  return (
    <div className="talk" data-testid="talk-mode" data-preset={preset.id}>
      <header className="talk-head">
        <div className="talk-kicker">FLOP Lab · {preset.mirrors}</div>
        <h1 className="talk-title" data-testid="talk-title">
          {preset.title}
        </h1>
        <p className="talk-question">{preset.question}</p>
      </header>
      <main className="talk-stage">
        <ChartArea points={points} measure={preset.measure} xAxis={xAxis} />
        {points.length === 0 && !showConfig && (
          <div className="talk-prompt" data-testid="talk-prompt">
            {sweep.status === 'running' && mine ? 'The first point appears when the first run ends.' : `Press Space to train ${runs.length} runs.`}
          </div>
        )}
        {showConfig && <TalkConfig preset={preset} spec={spec} runs={runs} backend={route.backend} />}
      </main>
      <footer className="talk-foot">
        <TalkStatus preset={preset} runs={runs} mine={mine} problem={problem} xAxis={xAxis} pinnedBackend={route.backend}>
          <KeyLegend keys={keys} configShown={showConfig} xAxis={xAxis} />
        </TalkStatus>
      </footer>
    </div>
  );
}

/** Start / pause / resume and stop, through the store; what goes wrong is shown, never thrown at the page. */
function talkActions(store: LabStore, preset: ExperimentPreset, spec: SweepSpec, report: (m: string | null) => void) {
  const s = () => store.getState();
  const active = () => s().status === 'starting' || s().status === 'running' || s().status === 'paused';
  const fail = (e: unknown) => report((e as Error).message);
  return {
    toggle() {
      report(null);
      const sweep = s().sweep;
      if (sweep.status === 'running' && sweep.preset !== preset.id) return report(`Another sweep ("${sweep.name}") is running: press S to stop it first.`);
      if (sweep.status === 'running') {
        if (s().status === 'paused') void s().resume().catch(fail);
        else void s().pause().catch(fail);
        return;
      }
      if (active()) return report('A run from the lab is in progress: press S to stop it first.');
      void s().runSweep(spec, { name: preset.title, preset: preset.id }).catch(fail);
    },
    stop() {
      report(null);
      if (s().sweep.status === 'running') void s().stopSweep().catch(fail);
      else if (active()) void s().stop().catch(fail);
    },
  };
}

/** Calls keys[event.key.toLowerCase()] on a key press without modifiers. */
function useKeys(keys: Record<string, () => void>) {
  const latest = useRef(keys);
  latest.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
      const action = latest.current[e.key.toLowerCase()];
      if (!action) return;
      e.preventDefault(); // Space would scroll, or press a focused button a second time
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

/** The chart, as tall as the stage: its plot height is the stage's less the chart's legend, and follows the window. */
function ChartArea(props: { points: SweepPoint[]; measure: ExperimentPreset['measure']; xAxis: XAxis }) {
  const box = useRef<HTMLDivElement>(null);
  const [height, setHeight] = useState(480);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const fit = () => {
      const legend = el.querySelector('.sweep-legend');
      const legendHeight = legend ? legend.getBoundingClientRect().height + 10 : 0;
      setHeight(Math.max(240, Math.floor(el.clientHeight - legendHeight - 8)));
    };
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    // The legend grows as methods get their first point.
    const legend = el.querySelector('.sweep-legend');
    if (legend) observer.observe(legend);
    return () => observer.disconnect();
  }, []);
  return (
    <div className="talk-chart" ref={box}>
      <SweepChart points={props.points} measure={props.measure} xAxis={props.xAxis} height={height} large />
    </div>
  );
}

/**
 * The state, run i of n and what it is, the run's step, elapsed and ETA on one full-width line; under it, small,
 * the axis, the backend and the expected wall time, with `children` (the key legend) at the right.
 */
function TalkStatus(props: {
  preset: ExperimentPreset;
  runs: SweepRun[];
  mine: boolean;
  problem: string | null;
  xAxis: XAxis;
  pinnedBackend: string | null;
  children: ReactNode;
}) {
  const sweep = useLab((s) => s.sweep);
  const runStatus = useLab((s) => s.status);
  const step = useLab((s) => s.records.at(-1)?.step ?? 0);
  // With a FLOP budget the run's steps are known only once its profile (first step) arrives; before, runConfig holds the default.
  const steps = useLab((s) => (s.profile ? (s.runConfig?.steps ?? 0) : 0));
  const backend = useLab((s) => s.backend?.name ?? null);
  const now = useClock(sweep.status === 'running');
  const eta = useSweepEta();

  const state = !props.mine || sweep.status === 'idle' ? 'ready' : sweep.status === 'running' && runStatus === 'paused' ? 'paused' : sweep.status;
  const total = props.mine ? sweep.total : props.runs.length;
  const done = props.mine ? sweep.results.length : 0;
  const elapsed = props.mine && sweep.startedAt ? formatDuration(now - sweep.startedAt) : null;
  const parts: string[] = [];
  if (state === 'ready') parts.push(`${total} runs ready: press Space to start`);
  else if (state === 'done' || state === 'stopped') {
    const failed = sweep.results.filter((r) => r.status !== 'done').length;
    parts.push(`${done} of ${total} runs${failed ? ` (${failed} failed or stopped)` : ''}`);
    if (elapsed) parts.push(`in ${elapsed}`);
  } else {
    const current = props.runs.find((r) => r.key === sweep.current);
    parts.push(`run ${Math.min(done + 1, total)} of ${total}`);
    if (current) parts.push(`${current.method} · ${current.model} · ${formatFlops(current.budget)}${steps ? ` · step ${step} / ${steps}` : ''}`);
    if (elapsed) parts.push(`elapsed ${elapsed}`);
    parts.push(eta === null ? 'ETA after the first record' : `ETA ${formatDuration(eta)}`);
  }
  // While it trains, the backend the run got; before, the one the URL pins (else the page's automatic choice).
  const backendText =
    state === 'running' || state === 'paused' ? backend : props.pinnedBackend ? `${props.pinnedBackend} (from the URL)` : backend && `${backend} (automatic)`;
  return (
    <>
      <div className="talk-status" data-testid="talk-status" data-status={state}>
        <span className={`talk-state talk-state-${state}`}>{STATE_NAMES[state]}</span>
        <span className="talk-progress">{parts.join(' · ')}</span>
      </div>
      {props.problem && (
        <div className="talk-problem" role="alert" data-testid="talk-problem">
          {props.problem}
        </div>
      )}
      <div className="talk-foot-row">
        <div className="talk-meta">
          x axis: {X_AXIS_NAMES[props.xAxis]} · backend: {backendText ?? '…'} · wall time here: {props.preset.wallTime.here}; on a laptop GPU:{' '}
          {props.preset.wallTime.laptopGpu}
        </div>
        {props.children}
      </div>
    </>
  );
}

const STATE_NAMES: Record<string, string> = { ready: 'Ready', running: 'Running', paused: 'Paused', done: 'Done', stopped: 'Stopped' };

/** The preset's sweep as readable text (C). */
function TalkConfig(props: { preset: ExperimentPreset; spec: SweepSpec; runs: SweepRun[]; backend: string | null }) {
  const { spec } = props;
  const rows: [string, string][] = [
    ['Mirrors', props.preset.mirrors],
    ['Methods', spec.methods.join(', ')],
    ['Datasets', (spec.datasets ?? ['imagenet-1k']).join(', ')],
    ['Models', (spec.models ?? ['toy-B']).join(', ')],
    ['FLOP budgets', spec.budgets.map(formatFlops).join(', ')],
    ['Seeds', (spec.seeds ?? [0]).join(', ')],
    ['Runs', `${props.runs.length}, one after another, each stored in Runs`],
    ['Backend', props.backend ? `${props.backend} (from the URL)` : 'automatic (WebGPU, else wasm, else CPU)'],
    ['Shared settings', readableSettings(spec.base ?? {})],
  ];
  if (spec.variants && Object.keys(spec.variants).length) rows.push(['Variants', JSON.stringify(spec.variants)]);
  return (
    <section className="talk-config" data-testid="talk-config" aria-label="configuration">
      <h2>Configuration</h2>
      <dl>
        {rows.map(([name, value]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/** `{batchSize: 8, probe: {dense: false}}` as "batchSize 8 · probe {dense: false}"; the backend has its own row. */
function readableSettings(base: Record<string, unknown>): string {
  return Object.entries(base)
    .filter(([key]) => key !== 'backend')
    .map(
      ([key, value]) =>
        `${key} ${
          typeof value === 'object'
            ? JSON.stringify(value)
                .replace(/"/g, '')
                .replace(/([:,])/g, '$1 ')
            : String(value as string | number | boolean)
        }`,
    )
    .join(' · ');
}

/** The keys, small in a corner; each is also clickable (without taking focus from the page). */
function KeyLegend(props: { keys: Record<string, () => void>; configShown: boolean; xAxis: XAxis }) {
  const next = X_AXES[(X_AXES.indexOf(props.xAxis) + 1) % X_AXES.length];
  const items: [string, string, string][] = [
    [' ', 'Space', 'start / pause'],
    ['s', 'S', 'stop'],
    ['c', 'C', props.configShown ? 'hide config' : 'config'],
    ['x', 'X', `x axis → ${X_AXIS_NAMES[next]}`],
    ['escape', 'Esc', 'lab'],
  ];
  return (
    <div className="talk-keys" data-testid="talk-keys">
      {items.map(([key, label, what]) => (
        <button key={key} type="button" tabIndex={-1} onMouseDown={(e) => e.preventDefault()} onClick={props.keys[key]}>
          <kbd>{label}</kbd> {what}
        </button>
      ))}
    </div>
  );
}

/** A bad `#demo=` link: what is wrong, the valid demos as links, and the way back to the lab. */
export function DemoError({ message, validIds }: { message: string; validIds: string[] }) {
  return (
    <div className="talk talk-error" data-testid="demo-error">
      <h1 className="talk-title">This demo link does not work</h1>
      <p className="talk-question" role="alert">
        {message}
      </p>
      <p className="talk-links">
        {validIds.map((id) => (
          <a key={id} href={`#demo=${id}`}>
            {id}
          </a>
        ))}
      </p>
      <p>
        <a href="#">Open the lab instead</a>
      </p>
    </div>
  );
}
