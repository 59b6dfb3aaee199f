/**
 * Bring your own images: parsing (folder layout, zips, skips, limits),
 * decoding checks (magic bytes, truncation), resizing, the imported DataSource
 * and its held-out split. Node has no createImageBitmap, so the decoder is
 * injected: a minimal PNG decoder that throws on damaged bytes.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { zipSync } from 'fflate';
import { decodeTestPng, encodePng, solidPng } from '../tooling/png';
import { decodeToStored, detectImageType, inspectHeader, resizeSquare, rgbaToRgb, STORED_SIZE, type Decoder } from '../src/data/decodeImage';
import { IMPORT_LIMITS, planPayload, transferablesOf, type ImportFile } from '../src/data/importFiles';
import { ImportedDataset, importedSplit, type ImportedSet } from '../src/data/imported';
import { normalisePixels } from '../src/data/scenes';
import { clearImported, currentImported, importedProvider, importImages } from '../src/worker/importService';

const decoder: Decoder = (bytes) => decodeTestPng(bytes);
const text = (s: string) => new TextEncoder().encode(s);
const truncate = (bytes: Uint8Array) => bytes.subarray(0, Math.floor(bytes.length / 2));
const colour = (k: number, i: number): [number, number, number] => [30 * k, 10 * i, 200];

/** A picked folder: photos/<class>/<i>.png, in shuffled order (the import sorts). */
function folder(classes: string[], perClass: number): ImportFile[] {
  const files = classes.flatMap((name, k) =>
    Array.from({ length: perClass }, (_, i) => ({ path: `photos/${name}/${i}.png`, bytes: solidPng(8 + i, 6, colour(k, i)) })),
  );
  return files.reverse();
}

/** A minimal JPEG segment stream: SOI, APP0, SOF0 (w x h), SOS, scan bytes, [EOI]. */
function jpegLike(width: number, height: number, withEnd: boolean): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x04, 0x00, 0x00];
  const sof = [0xff, 0xc0, 0x00, 0x0b, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x01, 0x01, 0x11, 0x00];
  const sos = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00];
  const scan = [0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56];
  return new Uint8Array([0xff, 0xd8, ...app0, ...sof, ...sos, ...scan, ...(withEnd ? [0xff, 0xd9] : [])]);
}

describe('magic bytes and header checks', () => {
  it('detects the type from the bytes, not the name', () => {
    expect(detectImageType(solidPng(2, 2, [1, 2, 3]))).toBe('png');
    expect(detectImageType(jpegLike(4, 3, true))).toBe('jpeg');
    expect(detectImageType(text('GIF89a\x04\x00\x03\x00rest'))).toBe('gif');
    expect(detectImageType(text('RIFF\x10\x00\x00\x00WEBPVP8 '))).toBe('webp');
    const bmp = new Uint8Array(30);
    bmp.set([0x42, 0x4d]);
    bmp[14] = 40; // BITMAPINFOHEADER size
    expect(detectImageType(bmp)).toBe('bmp');
    expect(detectImageType(text('BM is how this text starts, nothing more'))).toBeNull();
    expect(detectImageType(text('this is a text file, not a JPEG'))).toBeNull();
    expect(detectImageType(new Uint8Array(0))).toBeNull();
  });

  it('reads sizes and catches truncated files', () => {
    expect(inspectHeader(solidPng(7, 5, [0, 0, 0]), 'png')).toEqual({ width: 7, height: 5 });
    expect(inspectHeader(truncate(solidPng(7, 5, [0, 0, 0])), 'png')).toEqual({ error: expect.stringMatching(/^truncated PNG .*no IEND/) });
    expect(inspectHeader(jpegLike(640, 480, true), 'jpeg')).toEqual({ width: 640, height: 480 });
    expect(inspectHeader(jpegLike(640, 480, false), 'jpeg')).toEqual({ error: expect.stringMatching(/^truncated JPEG \(no end-of-image marker/) });
    expect(inspectHeader(jpegLike(640, 480, true).subarray(0, 12), 'jpeg')).toEqual({ error: expect.stringMatching(/^truncated JPEG \(segments end/) });
  });

  it('decodeToStored never throws: every failure becomes a reason', async () => {
    const failing: Decoder = async () => {
      throw new Error('boom');
    };
    expect(await decodeToStored(new Uint8Array(0), decoder)).toEqual({ corrupt: 'empty file (0 bytes)' });
    expect(await decodeToStored(text('hello'), decoder)).toEqual({ corrupt: 'not a PNG, JPEG, GIF, WebP or BMP file (starts with bytes 68 65 6c 6c)' });
    expect(await decodeToStored(solidPng(3, 3, [9, 9, 9]), failing)).toEqual({ corrupt: 'PNG could not be decoded: boom' });
    expect(await decodeToStored(encodePng(0, 4, []), decoder)).toEqual({ corrupt: 'zero-size image (0x4 px)' });
    const huge = solidPng(1, 1, [0, 0, 0]);
    new DataView(huge.buffer, huge.byteOffset).setUint32(16, 100_000); // claims 100000 x 1 ... still fine
    new DataView(huge.buffer, huge.byteOffset).setUint32(20, 100_000); // 100000 x 100000: refused before decoding
    expect(await decodeToStored(huge, decoder)).toEqual({ skipped: 'too large to decode: 100000x100000 px (limit 50 megapixels)' });
    const short: Decoder = async () => ({ width: 2, height: 2, rgba: new Uint8ClampedArray(3) });
    expect(await decodeToStored(solidPng(2, 2, [0, 0, 0]), short)).toEqual({ corrupt: 'decoder returned 3 bytes for 2x2 RGBA' });
  });
});

describe('resize to the stored square', () => {
  it('keeps a constant image constant at any size and aspect', () => {
    const w = 37,
      h = 23;
    const rgb = new Uint8ClampedArray(w * h * 3).map((_, i) => [17, 130, 251][i % 3]);
    for (const size of [1, 5, 16, 64]) {
      const out = resizeSquare(rgb, w, h, size);
      expect(out.length).toBe(size * size * 3);
      expect(new Set(Array.from(out, (v, i) => `${i % 3}:${v}`)).size).toBe(3);
      expect(Array.from(out.subarray(0, 3))).toEqual([17, 130, 251]);
    }
  });

  it('a 2x2 checker: area average down, bilinear up, identity at the same size', () => {
    const checker = new Uint8ClampedArray([0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
    expect(Array.from(resizeSquare(checker, 2, 2, 1))).toEqual([128, 128, 128]); // 127.5 rounds up
    expect(Array.from(resizeSquare(checker, 2, 2, 2))).toEqual(Array.from(checker));
    // 2 -> 4: sample centres at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1) on each axis.
    const up = resizeSquare(checker, 2, 2, 4);
    const t = [0, 0.25, 0.75, 1];
    const expected = t.flatMap((y) => t.map((x) => Math.round(255 * (x * (1 - y) + (1 - x) * y))));
    expect(Array.from(up).filter((_, i) => i % 3 === 0)).toEqual(expected);
    expect(expected.slice(0, 4)).toEqual([0, 64, 191, 255]);
  });

  it('averages whole blocks when shrinking by an integer factor, and centre-crops', () => {
    // 4x4 of 2x2 blocks (values 10, 20 / 30, 40) -> 2x2 exactly.
    const blocks = new Uint8ClampedArray(48);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) blocks.fill(10 + 10 * ((y >> 1) * 2 + (x >> 1)), (y * 4 + x) * 3, (y * 4 + x) * 3 + 3);
    expect(Array.from(resizeSquare(blocks, 4, 4, 2)).filter((_, i) => i % 3 === 0)).toEqual([10, 20, 30, 40]);
    // 4 wide x 2 high, columns 10..40: the centre square is columns 1-2.
    const wide = new Uint8ClampedArray(24).map((_, i) => 10 * (1 + (Math.floor(i / 3) % 4)));
    expect(Array.from(resizeSquare(wide, 4, 2, 2)).filter((_, i) => i % 3 === 0)).toEqual([20, 30, 20, 30]);
  });

  it('composites transparency over white, also when resizing straight from RGBA', () => {
    const rgba = new Uint8ClampedArray([100, 50, 0, 0, 100, 50, 0, 255, 0, 0, 0, 51, 7, 8, 9, 255]);
    expect(Array.from(rgbaToRgb(rgba))).toEqual([255, 255, 255, 100, 50, 0, 204, 204, 204, 7, 8, 9]);
    expect(resizeSquare(rgba, 2, 2, 2, 4)).toEqual(rgbaToRgb(rgba));
    expect(Array.from(resizeSquare(rgba, 2, 2, 1, 4))).toEqual([142, 129, 117]); // mean of the four composited pixels
  });
});

describe('importing a folder or a zip', () => {
  beforeEach(() => clearImported());

  it('class sub-folders become labels; corrupt files are counted with reasons, valid ones imported', async () => {
    const files = folder(['dog', 'cat', 'bird'], 4);
    const damaged = solidPng(6, 6, [1, 2, 3]);
    damaged[damaged.length - 20] ^= 0xff; // inside IDAT: header and IEND intact, the decoder's CRC check fails
    files.push(
      { path: 'photos/cat/truncated.png', bytes: truncate(solidPng(16, 16, [200, 0, 0])) },
      { path: 'photos/cat/not-really.jpg', bytes: text('this is a text file, not a JPEG') },
      { path: 'photos/dog/damaged.png', bytes: damaged },
      { path: 'photos/notes.txt', bytes: text('a note') },
      { path: 'photos/.DS_Store', bytes: text('x') },
      { path: 'photos/dog/._0.png', bytes: text('x') },
    );
    const report = await importImages(files, decoder);
    expect(report.source).toBe('photos');
    expect(report.labels).toBe('folder');
    expect(report.classes).toEqual(['bird', 'cat', 'dog']);
    expect(report.perClass).toEqual([4, 4, 4]);
    expect(report.imported).toBe(12);
    expect(report.storedSize).toBe(STORED_SIZE);
    expect(report.corrupt).toEqual([
      { path: 'photos/cat/not-really.jpg', reason: 'not a PNG, JPEG, GIF, WebP or BMP file (starts with bytes 74 68 69 73)' },
      { path: 'photos/cat/truncated.png', reason: expect.stringMatching(/^truncated PNG/) },
      { path: 'photos/dog/damaged.png', reason: expect.stringMatching(/^PNG could not be decoded: bad CRC in chunk IDAT/) },
    ]);
    expect(report.skipped.map((s) => s.path).sort()).toEqual(['photos/.DS_Store', 'photos/dog/._0.png', 'photos/notes.txt']);
    expect(report.skipped.find((s) => s.path === 'photos/notes.txt')!.reason).toMatch(/^not an image \(extension \.txt/);
    expect(report.skipped.find((s) => s.path === 'photos/.DS_Store')!.reason).toBe('hidden file, not an image');

    const set = currentImported()!;
    expect(set.images.length).toBe(12);
    expect(set.paths[0]).toBe('photos/bird/0.png'); // path order, whatever order the files came in
    expect(Array.from(set.labels)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    // A solid image is stored as that colour at 64 x 64.
    const dog2 = set.images[set.paths.indexOf('photos/dog/2.png')];
    expect(dog2).toEqual(new Uint8ClampedArray(STORED_SIZE * STORED_SIZE * 3).map((_, i) => colour(0, 2)[i % 3]));
  });

  it('a flat folder imports unlabelled; loose images beside class folders are skipped', async () => {
    const flat = await importImages(
      [0, 1, 2].map((i) => ({ path: `shots/${i}.png`, bytes: solidPng(4, 4, [i, i, i]) })),
      decoder,
    );
    expect(flat).toMatchObject({ source: 'shots', imported: 3, labels: 'none', classes: [], perClass: [], corrupt: [] });
    expect(Array.from(currentImported()!.labels)).toEqual([-1, -1, -1]);

    const mixed = await importImages([...folder(['a', 'b'], 1), { path: 'photos/loose.png', bytes: solidPng(4, 4, [0, 0, 0]) }], decoder);
    expect(mixed.classes).toEqual(['a', 'b']);
    expect(mixed.imported).toBe(2);
    expect(mixed.skipped).toEqual([{ path: 'photos/loose.png', reason: expect.stringMatching(/^outside the class folders/) }]);
  });

  it('zips: a top folder is stripped, __MACOSX and non-images are skipped, a flat zip is unlabelled', async () => {
    const zip = zipSync({
      'set/': new Uint8Array(0),
      'set/cats/1.png': solidPng(5, 5, [1, 1, 1]),
      'set/cats/2.png': solidPng(5, 5, [2, 2, 2]),
      'set/dogs/1.png': solidPng(5, 5, [3, 3, 3]),
      'set/dogs/broken.png': truncate(solidPng(9, 9, [3, 3, 3])),
      '__MACOSX/set/cats/._1.png': text('resource fork'),
      'set/readme.md': text('# hi'),
    });
    const report = await importImages({ zip, name: 'pets.zip' }, decoder);
    expect(report).toMatchObject({ source: 'pets.zip', imported: 3, labels: 'folder', classes: ['cats', 'dogs'], perClass: [2, 1] });
    expect(report.corrupt.map((c) => c.path)).toEqual(['set/dogs/broken.png']);
    expect(report.skipped.map((s) => s.reason.split(' (')[0]).sort()).toEqual(['macOS metadata', 'not an image']);

    const flat = await importImages({ zip: zipSync({ 'a.png': solidPng(3, 3, [0, 0, 0]), 'b.png': solidPng(3, 3, [9, 9, 9]) }), name: 'flat.zip' }, decoder);
    expect(flat).toMatchObject({ imported: 2, labels: 'none', classes: [] });
  });

  it('refuses unusable payloads with an Error naming what is wrong, and keeps the previous set', async () => {
    await importImages(folder(['x', 'y'], 2), decoder);
    const before = currentImported();
    await expect(importImages([], decoder)).rejects.toThrow('no files to import: the folder or selection is empty');
    await expect(importImages([{ path: 'docs/a.txt', bytes: text('a') }], decoder)).rejects.toThrow(
      /^no images to import in docs: 1 file, none with an image extension/,
    );
    await expect(importImages({ zip: text('not a zip at all'), name: 'broken.zip' }, decoder)).rejects.toThrow(/^could not unzip broken\.zip: /);
    await expect(
      importImages(
        [
          { path: 'd/a.png', bytes: text('nope') },
          { path: 'd/b.jpg', bytes: new Uint8Array(0) },
        ],
        decoder,
      ),
    ).rejects.toThrow(
      'none of the 2 image files in d could be imported (d/a.png: not a PNG, JPEG, GIF, WebP or BMP file (starts with bytes 6e 6f 70 65); d/b.jpg: empty file (0 bytes))',
    );
    const tooMany = Array.from({ length: IMPORT_LIMITS.maxImages + 1 }, (_, i) => ({ path: `big/${i}.png`, bytes: new Uint8Array(1) }));
    expect(() => planPayload(tooMany)).toThrow('big has 20,001 images: at most 20,000 can be imported at once');
    await expect(importImages([{ path: 'a.png', bytes: [1, 2] as never }], decoder)).rejects.toThrow(
      'importImages: files[0].bytes (a.png) must be a Uint8Array, got object',
    );
    expect(currentImported()).toBe(before);
  });
});

it('lists each buffer to transfer once', () => {
  const shared = new Uint8Array(8);
  const own = new Uint8Array(4);
  const payload = [
    { path: 'a', bytes: shared.subarray(0, 4) },
    { path: 'b', bytes: shared.subarray(4) },
    { path: 'c', bytes: own },
  ];
  expect(transferablesOf(payload)).toEqual([shared.buffer, own.buffer]);
  expect(transferablesOf({ zip: own, name: 'z.zip' })).toEqual([own.buffer]);
});

describe('ImportedDataset', () => {
  let set: ImportedSet;
  beforeEach(async () => {
    clearImported();
    const files = ['a', 'b', 'c'].flatMap((name, k) =>
      Array.from({ length: 20 }, (_, i) => ({ path: `p/${name}/${i}.png`, bytes: encodePng(2, 2, checker(k, i)) })),
    );
    await importImages(files, decoder);
    set = currentImported()!;
  });
  /** A 2x2 dark/bright checker, a little different per class k and image i. */
  const checker = (k: number, i: number) => [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0].map((v) => (v === 0 ? 10 * k + i : 255 - 10 * k - i));

  it('splits 80/10/10 per class, disjoint, covering the set, independent of the experiment seed', () => {
    const train = importedSplit(set, 'train');
    const probeTrain = importedSplit(set, 'probe-train');
    const probeTest = importedSplit(set, 'probe-test');
    expect([train.length, probeTrain.length, probeTest.length]).toEqual([48, 6, 6]);
    const all = [...train, ...probeTrain, ...probeTest].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 60 }, (_, i) => i));
    for (const split of [probeTrain, probeTest]) expect(Array.from(split, (i) => set.labels[i]).sort()).toEqual([0, 0, 1, 1, 2, 2]);
    const a = new ImportedDataset(set, 16, 1, 'probe-test', 'probe-test');
    const b = new ImportedDataset(set, 16, 99, 'probe-test', 'probe-test');
    expect(a.imageIndex(3)).toBe(b.imageIndex(3));
    expect(() => importedSplit(set, 'val' as never)).toThrow("importedSplit: split 'val' is not one of train, probe-train, probe-test");
  });

  it('is deterministic, resizes from the stored square, and batches normalised pixels', () => {
    const ds = new ImportedDataset(set, 16, 7);
    expect(ds.info).toMatchObject({ id: 'imported', labels: 'folder', captions: 'none', numClasses: 3, classNames: ['a', 'b', 'c'], headToTail: 1 });
    expect(ds.size).toBe(48);
    expect(ds.stepIndices(5, 8)).toEqual(new ImportedDataset(set, 16, 7).stepIndices(5, 8));
    expect(ds.stepIndices(5, 8)).not.toEqual(ds.stepIndices(6, 8));
    expect(ds.stepIndices(5, 8)).not.toEqual(new ImportedDataset(set, 16, 8).stepIndices(5, 8));
    expect(ds.stepIndices(5, 64).every((i) => Number.isInteger(i) && i >= 0 && i < 48)).toBe(true);

    const s = ds.sample(4);
    const image = ds.imageIndex(4);
    expect(s.pixels).toEqual(resizeSquare(set.images[image], 64, 64, 16));
    expect(s.labels).toEqual([set.labels[image]]);
    expect(s.caption).toBe('');
    expect(s.mask).toBeUndefined();
    // The stored 2x2 checker (blown up to 64 px) shrinks back to a checker: dark corners stay darker than bright ones.
    const [tl, tr, bl, br] = Array.from(new ImportedDataset(set, 2, 7).sample(4).pixels).filter((_, j) => j % 3 === 0);
    expect(Math.min(tr, bl)).toBeGreaterThan(Math.max(tl, br) + 100);
    // At the stored size a sample is a copy: changing it leaves the set alone.
    const same = new ImportedDataset(set, 64, 7).sample(0);
    same.pixels[0] ^= 1;
    expect(same.pixels[0]).not.toBe(set.images[ds.imageIndex(0)][0]);

    const batch = ds.batch([0, 4, 4]);
    expect(batch.batchSize).toBe(3);
    expect(batch.imageSize).toBe(16);
    expect(batch.images.length).toBe(3 * 16 * 16 * 3);
    expect(batch.images.subarray(768, 1536)).toEqual(normalisePixels(s.pixels));
    expect(batch.images.subarray(768, 1536)).toEqual(batch.images.subarray(1536));
    expect(batch.labels).toEqual([ds.sample(0).labels, s.labels, s.labels]);
    expect(batch.captions).toEqual(['', '', '']);
    expect(() => ds.sample(48)).toThrow('imported dataset index 48 outside 0..47');
  });

  it('importedProvider gives the train split for pre-training and the held-out splits to the probe', () => {
    expect(importedProvider(16, 1, 'pretrain')!.size).toBe(48);
    expect(importedProvider(16, 1, 'probe-train')!.size).toBe(6);
    expect(importedProvider(16, 1, 'probe-test')!.size).toBe(6);
    clearImported();
    expect(importedProvider(16, 1, 'pretrain')).toBeNull();
  });

  it('names an empty split', async () => {
    await importImages(
      [
        { path: 'two/a.png', bytes: solidPng(2, 2, [0, 0, 0]) },
        { path: 'two/b.png', bytes: solidPng(2, 2, [1, 1, 1]) },
      ],
      decoder,
    );
    const tiny = currentImported()!;
    expect(new ImportedDataset(tiny, 8, 1).size).toBe(2);
    expect(() => new ImportedDataset(tiny, 8, 1, 'probe-test', 'probe-test')).toThrow(
      "imported dataset: split 'probe-test' of two is empty (2 images; a class needs at least 3 images to give the probe splits one each)",
    );
  });
});
