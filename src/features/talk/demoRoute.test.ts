import { describe, expect, it } from 'vitest';
import { parseDemoRoute, validDemoNames } from './demoRoute';

const VALID = 'smoke, figure2, table1, a5, talk, figure1 (= talk), figure1-full (= figure1)';

describe('parseDemoRoute', () => {
  it('is the lab without a demo parameter', () => {
    expect(parseDemoRoute('')).toEqual({ kind: 'lab' });
    expect(parseDemoRoute('#')).toEqual({ kind: 'lab' });
    expect(parseDemoRoute('#config=%7B%22method%22%3A%22mae%22%7D')).toEqual({ kind: 'lab' });
  });

  it('maps figure1 to the talk preset and keeps the full Figure 1 as figure1-full', () => {
    expect(parseDemoRoute('#demo=figure1')).toEqual({ kind: 'demo', presetId: 'talk', backend: null, autostart: false });
    expect(parseDemoRoute('#demo=figure1-full')).toEqual({ kind: 'demo', presetId: 'figure1', backend: null, autostart: false });
  });

  it('accepts every sweep preset id, in any case', () => {
    for (const id of ['smoke', 'figure2', 'table1', 'a5', 'talk']) expect(parseDemoRoute(`#demo=${id}`)).toMatchObject({ kind: 'demo', presetId: id });
    expect(parseDemoRoute('#demo=Smoke')).toMatchObject({ kind: 'demo', presetId: 'smoke' });
  });

  it('reads the backend and autostart parameters', () => {
    expect(parseDemoRoute('#demo=smoke&backend=wasm&autostart=1')).toEqual({ kind: 'demo', presetId: 'smoke', backend: 'wasm', autostart: true });
    expect(parseDemoRoute('#autostart=true&backend=webgpu&demo=talk')).toEqual({ kind: 'demo', presetId: 'talk', backend: 'webgpu', autostart: true });
    expect(parseDemoRoute('#demo=talk&backend=cpu&autostart=0')).toEqual({ kind: 'demo', presetId: 'talk', backend: 'cpu', autostart: false });
  });

  it('lists the valid demos for an unknown or empty id', () => {
    expect(validDemoNames()).toBe(VALID);
    expect(parseDemoRoute('#demo=nope')).toEqual({ kind: 'error', message: `Unknown demo 'nope'. Valid demos: ${VALID}.` });
    expect(parseDemoRoute('#demo=')).toEqual({ kind: 'error', message: `No demo named in the URL (#demo=<name>). Valid demos: ${VALID}.` });
  });

  it('refuses the FLOP profile preset, which trains nothing', () => {
    expect(parseDemoRoute('#demo=figure3')).toEqual({
      kind: 'error',
      message: `'figure3' counts FLOPs per step and trains nothing, so it has no talk view; open it in the lab. Valid demos: ${VALID}.`,
    });
  });

  it('names a bad backend or autostart value', () => {
    expect(parseDemoRoute('#demo=talk&backend=tpu')).toEqual({
      kind: 'error',
      message: "Unknown backend 'tpu' in the URL (&backend=): use wasm, webgpu, cpu, or leave it out for the automatic choice.",
    });
    // 'auto' is the default, not a value to pin: leaving the parameter out says it.
    expect(parseDemoRoute('#demo=talk&backend=auto')).toMatchObject({ kind: 'error', message: expect.stringContaining("Unknown backend 'auto'") });
    expect(parseDemoRoute('#demo=talk&autostart=yes')).toEqual({ kind: 'error', message: "&autostart= must be 1 or 0, got 'yes'." });
  });
});
