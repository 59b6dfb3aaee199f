import { describe, expect, it } from 'vitest';
import { CAPTION_VOCAB, SHAPE_CLASSES, generateScene } from '../src/data/scenes';
import { BOS, EOS, PAD, UNK, VOCAB, captionLabels, detokenize, pseudoCaption, tokenize, tokenizeBatch } from '../src/data/tokenize';
import { DATASET_INFO } from '../src/data/presets';
import { FINE_CLASSES, JFT_CLASS_NAMES, fineClass } from '../src/data/labelSpace';

describe('VOCAB', () => {
  it('starts with the special tokens at their ids', () => {
    expect([PAD, BOS, EOS, UNK]).toEqual([0, 1, 2, 3]);
    expect(VOCAB.slice(0, 4)).toEqual(['<pad>', '<bos>', '<eos>', '<unk>']);
  });

  it('has no duplicates, is sorted after the specials, and holds every caption and pseudo-caption word', () => {
    expect(new Set(VOCAB).size).toBe(VOCAB.length);
    const words = VOCAB.slice(4);
    expect(words).toEqual([...words].sort());
    for (const w of [...CAPTION_VOCAB, ...SHAPE_CLASSES, 'this', 'is', 'photo', 'of', 'a', 'an', 'and']) expect(VOCAB).toContain(w);
    // Nothing else.
    expect(new Set(words)).toEqual(new Set([...CAPTION_VOCAB, ...SHAPE_CLASSES, 'this', 'is', 'photo', 'of', 'a', 'an', 'and']));
  });
});

describe('pseudoCaption', () => {
  it('writes the paper pseudo-caption in lower case', () => {
    const idx = (name: string): number => SHAPE_CLASSES.indexOf(name);
    expect(pseudoCaption([idx('circle')])).toBe('this is a photo of a circle');
    expect(pseudoCaption([idx('circle'), idx('square')])).toBe('this is a photo of a circle and a square');
    expect(pseudoCaption([idx('star'), idx('heart'), idx('star'), idx('crescent')])).toBe('this is a photo of a star and a heart and a crescent');
    expect(pseudoCaption([])).toBe('this is a photo');
  });

  it('keeps first-seen order and uses every class name', () => {
    for (let c = 0; c < SHAPE_CLASSES.length; c++) {
      const article = /^[aeiou]/.test(SHAPE_CLASSES[c]) ? 'an' : 'a';
      expect(pseudoCaption([c, c])).toBe(`this is a photo of ${article} ${SHAPE_CLASSES[c]}`);
    }
    expect(pseudoCaption([2, 0, 2, 1, 0])).toBe(`this is a photo of a ${SHAPE_CLASSES[2]} and a ${SHAPE_CLASSES[0]} and a ${SHAPE_CLASSES[1]}`);
  });

  it('rejects labels that are not class indices', () => {
    expect(() => pseudoCaption([SHAPE_CLASSES.length])).toThrow(/label/);
    expect(() => pseudoCaption([-1])).toThrow(/label/);
    expect(() => pseudoCaption([0.5])).toThrow(/label/);
  });

  it('tokenizes without unknown words', () => {
    const ids = tokenize(pseudoCaption([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 64);
    expect(Array.from(ids)).not.toContain(UNK);
  });

  it('names classes from a given label space: colour-and-shape classes are vocabulary words', () => {
    const red = 0;
    const orange = 1;
    const circle = SHAPE_CLASSES.indexOf('circle');
    const square = SHAPE_CLASSES.indexOf('square');
    expect(pseudoCaption([fineClass(circle, red), FINE_CLASSES.length + square], JFT_CLASS_NAMES)).toBe('this is a photo of a red circle and a square');
    expect(pseudoCaption([fineClass(circle, orange)], FINE_CLASSES)).toBe('this is a photo of an orange circle');
    for (let l = 0; l < JFT_CLASS_NAMES.length; l++)
      expect(Array.from(tokenize(pseudoCaption([l], JFT_CLASS_NAMES), 16)), JFT_CLASS_NAMES[l]).not.toContain(UNK);
    expect(() => pseudoCaption([80], FINE_CLASSES)).toThrow(/label 80 is not a class index in 0\.\.79/);
    // labels.map(pseudoCaption) would pass the index as classNames: refused by name.
    expect(() => pseudoCaption([0], 1 as never)).toThrow(/classNames must be an array/);
  });

  it('captionLabels drops the parent classes of a hierarchical label space', () => {
    const jft = DATASET_INFO.jft;
    const redCircle = fineClass(0, 0);
    const labels = [redCircle, 80 + 0, fineClass(1, 4), 80 + 1];
    expect(captionLabels(jft, labels)).toEqual([redCircle, fineClass(1, 4)]);
    expect(pseudoCaption(captionLabels(jft, labels), jft.classNames)).toBe('this is a photo of a red circle and a blue square');
    expect(captionLabels(DATASET_INFO.coco, [3, 1])).toEqual([3, 1]);
  });
});

describe('tokenize', () => {
  it('round-trips 200 scene captions', () => {
    let checked = 0;
    for (let i = 0; i < 200; i++) {
      const { caption } = generateScene(4, i, { imageSize: 16, numClasses: 10, maxObjects: 4 });
      const ids = tokenize(caption, 64);
      expect(Array.from(ids)).not.toContain(UNK);
      expect(detokenize(ids)).toBe(caption);
      checked++;
    }
    expect(checked).toBe(200);
  });

  it('frames with BOS and EOS and pads with zeros', () => {
    const ids = tokenize('a red circle', 8);
    const id = (w: string): number => VOCAB.indexOf(w);
    expect(Array.from(ids)).toEqual([BOS, id('a'), id('red'), id('circle'), EOS, PAD, PAD, PAD]);
    expect(Array.from(tokenize('', 4))).toEqual([BOS, EOS, PAD, PAD]);
  });

  it('truncates words, keeping EOS as the last token', () => {
    const ids = tokenize('a large red striped circle and a small blue square', 5);
    const id = (w: string): number => VOCAB.indexOf(w);
    expect(Array.from(ids)).toEqual([BOS, id('a'), id('large'), id('red'), EOS]);
    expect(Array.from(tokenize('a red circle', 2))).toEqual([BOS, EOS]);
    // Exactly fitting: no truncation.
    expect(Array.from(tokenize('a red circle', 5))).toEqual([BOS, id('a'), id('red'), id('circle'), EOS]);
  });

  it('lower-cases, splits on punctuation and maps unknown words to UNK', () => {
    const id = (w: string): number => VOCAB.indexOf(w);
    expect(Array.from(tokenize('This is a Photo of a circle.', 10))).toEqual([
      BOS,
      id('this'),
      id('is'),
      id('a'),
      id('photo'),
      id('of'),
      id('a'),
      id('circle'),
      EOS,
      PAD,
    ]);
    expect(Array.from(tokenize('a  purple,zebra\tand\na ring!', 10))).toEqual([BOS, id('a'), id('purple'), UNK, id('and'), id('a'), id('ring'), EOS, PAD, PAD]);
    // Special-token spellings in text are just (unknown) words.
    expect(Array.from(tokenize('<eos> <pad>', 5))).toEqual([BOS, UNK, UNK, EOS, PAD]);
    expect(detokenize(tokenize('a zebra', 6))).toBe('a <unk>');
  });

  it('rejects a maxLen without room for BOS and EOS', () => {
    expect(() => tokenize('a', 1)).toThrow(/maxLen/);
    expect(() => tokenize('a', 2.5)).toThrow(/maxLen/);
    expect(() => tokenizeBatch(['a'], 0)).toThrow(/maxLen/);
  });
});

describe('tokenizeBatch', () => {
  it('is row-major [B, maxLen], each row equal to tokenize', () => {
    const captions = ['a red circle', '', 'this is a photo of a square and a star', 'a zebra'];
    const batch = tokenizeBatch(captions, 7);
    expect(batch).toBeInstanceOf(Int32Array);
    expect(batch.length).toBe(captions.length * 7);
    captions.forEach((c, i) => expect(Array.from(batch.subarray(i * 7, (i + 1) * 7))).toEqual(Array.from(tokenize(c, 7))));
    expect(tokenizeBatch([], 7).length).toBe(0);
  });
});

describe('detokenize', () => {
  it('skips PAD and BOS, stops at EOS, and rejects ids outside the vocabulary', () => {
    const id = (w: string): number => VOCAB.indexOf(w);
    expect(detokenize([BOS, id('a'), id('ring'), EOS, id('star'), PAD])).toBe('a ring');
    expect(detokenize([id('a'), PAD, id('ring')])).toBe('a ring');
    expect(() => detokenize([BOS, VOCAB.length])).toThrow(/vocabulary/);
  });
});
