import { describe, expect, it } from 'vitest';
import { confusionMatrix, miouFromConfusion } from '../src/transfer/miou';

const score = (pred: number[], truth: number[], k: number) => miouFromConfusion(confusionMatrix(pred, truth, k));

describe('mIoU on hand-made masks', () => {
  it('a perfect prediction scores 1 for every present class', () => {
    // truth = pred = [0, 1, 1, 2]: each class has TP = union -> IoU 1.
    const r = score([0, 1, 1, 2], [0, 1, 1, 2], 3);
    expect(r.miou).toBe(1);
    expect(r.perClass).toEqual([1, 1, 1]);
    expect(r.pixelAccuracy).toBe(1);
  });

  it('classes absent from both truth and prediction are left out (null), not 0 or 1', () => {
    // truth [0,0,1,1], pred [0,1,1,1], 4 classes.
    // class 0: TP 1, truth 2, pred 1 -> union 2 -> 1/2
    // class 1: TP 2, truth 2, pred 3 -> union 3 -> 2/3
    // classes 2, 3: union 0 -> null, not in the mean
    // mIoU = (1/2 + 2/3) / 2 = 7/12; pixel accuracy 3/4
    const r = score([0, 1, 1, 1], [0, 0, 1, 1], 4);
    expect(r.perClass[0]).toBeCloseTo(1 / 2, 12);
    expect(r.perClass[1]).toBeCloseTo(2 / 3, 12);
    expect(r.perClass.slice(2)).toEqual([null, null]);
    expect(r.miou).toBeCloseTo(7 / 12, 12);
    expect(r.pixelAccuracy).toBe(0.75);
  });

  it('a class only in the prediction counts with IoU 0 (false positives are punished)', () => {
    // truth [0,0,0,1], pred [0,2,0,1], 3 classes.
    // class 0: TP 2, truth 3, pred 2 -> union 3 -> 2/3
    // class 1: TP 1, truth 1, pred 1 -> 1
    // class 2: TP 0, truth 0, pred 1 -> union 1 -> 0 (counted)
    // mIoU = (2/3 + 1 + 0) / 3 = 5/9; pixel accuracy 3/4
    const r = score([0, 2, 0, 1], [0, 0, 0, 1], 3);
    expect(r.perClass[0]).toBeCloseTo(2 / 3, 12);
    expect(r.perClass[1]).toBe(1);
    expect(r.perClass[2]).toBe(0);
    expect(r.miou).toBeCloseTo(5 / 9, 12);
    expect(r.pixelAccuracy).toBe(0.75);
  });

  it('background is a class like the others', () => {
    // truth [0,0,1,1], pred [1,1,1,1]: class 0 TP 0, union 2 -> 0; class 1 TP 2, union 4 -> 1/2.
    // mIoU = (0 + 1/2) / 2 = 1/4 (background's 0 counts); pixel accuracy 2/4
    const r = score([1, 1, 1, 1], [0, 0, 1, 1], 2);
    expect(r.perClass).toEqual([0, 0.5]);
    expect(r.miou).toBe(0.25);
    expect(r.pixelAccuracy).toBe(0.5);
  });

  it('ignored truth pixels (255) are left out whatever is predicted there', () => {
    // truth [0,255,1,255], pred [0,1,1,2]: only pixels 0 and 2 count, both right.
    // The 2 predicted at an ignored pixel does not make class 2 a false positive: class 2 stays null.
    const r = score([0, 1, 1, 2], [0, 255, 1, 255], 3);
    expect(r.perClass).toEqual([1, 1, null]);
    expect(r.miou).toBe(1);
    expect(r.pixelAccuracy).toBe(1);
    const cm = confusionMatrix([0, 1, 1, 2], [0, 255, 1, 255], 3);
    expect(Array.from(cm)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 0]);
  });

  it('a matrix with every pixel ignored is an error, not a NaN or 0 on a chart', () => {
    const cm = confusionMatrix([0, 1], [255, 255], 2);
    expect(() => miouFromConfusion(cm)).toThrow(/no labelled pixels/);
  });

  it('accumulating over batches equals one matrix over all pixels', () => {
    const pred = [0, 1, 2, 2, 1, 0, 0, 2];
    const truth = [0, 1, 1, 2, 255, 0, 2, 2];
    const acc = confusionMatrix(pred.slice(0, 3), truth.slice(0, 3), 3);
    confusionMatrix(pred.slice(3), truth.slice(3), 3, 255, acc);
    expect(Array.from(acc)).toEqual(Array.from(confusionMatrix(pred, truth, 3)));
    // rows: t0 -> p0 x2; t1 -> p1, p2; t2 -> p2 x2, p0 (the 255 pixel is skipped): 7 pixels
    expect(Array.from(acc)).toEqual([2, 0, 0, 0, 1, 1, 1, 0, 2]);
  });

  it('rejects labels outside the classes and mismatched lengths, naming them', () => {
    expect(() => confusionMatrix([0, 1], [0, 3], 3)).toThrow(/truth\[1\] = 3/);
    expect(() => confusionMatrix([0, 5], [0, 1], 3)).toThrow(/pred\[1\] = 5/);
    expect(() => confusionMatrix([0], [0, 1], 3)).toThrow(/pred has 1 pixels but truth has 2/);
    expect(() => miouFromConfusion([1, 2, 3])).toThrow(/not a square/);
  });
});
