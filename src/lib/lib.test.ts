import { describe, expect, it } from 'vitest';
import { formatBytes, formatStorageBytes } from './bytes';
import { csvCell, csvText } from './csv';
import { median } from './stats';
import { nextTask } from './nextTask';

describe('the shared figures', () => {
  it('csv: RFC 4180 quoting, CRLF lines, empty for missing, JSON for objects', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell(null)).toBe('');
    expect(csvCell(0)).toBe('0');
    expect(csvCell({ a: 1, b: 'x' })).toBe('"{""a"":1,""b"":""x""}"');
    expect(
      csvText([
        ['h1', 'h2'],
        [1, 'a,b'],
      ]),
    ).toBe('h1,h2\r\n1,"a,b"\r\n');
    expect(csvText([])).toBe('');
  });

  it('median: the middle value, the mean of the two middle ones for an even count, NaN for none', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
    const xs = [5, 1, 4];
    median(xs);
    expect(xs).toEqual([5, 1, 4]); // the input is not sorted in place
  });

  it('bytes: memory in binary units, storage in powers of 1000', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 2 ** 20)).toBe('64 MiB');
    expect(formatBytes(2 ** 32 - 2 ** 16)).toBe('4 GiB');
    expect(formatStorageBytes(999)).toBe('999 B');
    expect(formatStorageBytes(1500)).toBe('1.5 kB');
    expect(formatStorageBytes(2.5e9)).toBe('2.5 GB');
    expect(formatStorageBytes(-1)).toBe('—');
  });

  it('nextTask yields a whole task: a due timer runs between yields (a loop that yields per step still sees a stop request)', async () => {
    let fired = false;
    setTimeout(() => (fired = true), 0);
    let yields = 0;
    while (!fired && yields < 10_000) {
      await nextTask();
      yields++;
    }
    expect(fired).toBe(true);
    expect(yields).toBeGreaterThan(0);
  });
});
