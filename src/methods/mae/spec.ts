/**
 * MAE: what the page, the config and the memory estimate know of it (label, paper, options,
 * collapse rule, encoder passes) and a loader for its implementation (./method.ts, tfjs, worker side).
 */
import { maeDecoderConfig } from '../../models/maeDecoderShape';
import { defineMethod, type EncoderPass } from '../spec';
import { linearParams } from '../passSizes';
import { maeOptions, lenKeep } from './options';

/** The collapse rule's threshold, well inside the extremes a collapsed run reaches. MAE: a loss within 2 % of predicting nothing. */
const MAE_TRIVIAL_SHARE = 0.98;

export const maeSpec = defineMethod({
  label: 'MAE (masked autoencoder)',
  paper: 'https://arxiv.org/abs/2111.06377',
  summary: 'Reconstructs masked patches from the visible ones.',
  atLabScale:
    'probed on the mean of its patch tokens: linear about 16 %, kNN about 14 %, 0-5 points above random init; its patch tokens improve for dense tasks (patch mIoU about 15.9 -> 19.8; docs/recipes.md).',
  readout: 'patch-mean',
  options: maeOptions,
  collapse: ({ loss, monitors: { trivialLoss } }) =>
    trivialLoss !== undefined && trivialLoss > 0 && loss >= MAE_TRIVIAL_SHARE * trivialLoss
      ? `MAE's loss ${loss.toFixed(3)} is at its trivial value ${trivialLoss.toFixed(3)} (predicting each masked patch's mean): the encoder has learnt nothing to reconstruct from`
      : null,
  checkWithModel(o, model) {
    const n = (model.imageSize / model.patchSize) ** 2;
    const kept = lenKeep(n, o.maskRatio);
    return kept >= 1 && kept < n
      ? []
      : [{ key: 'maskRatio', message: `${o.maskRatio} keeps ${kept} of ${n} patches; it must keep at least one and hide at least one` }];
  },
  encoderPasses(o, model): EncoderPass[] {
    const n = (model.imageSize / model.patchSize) ** 2;
    const kept = lenKeep(n, o.maskRatio);
    const prefix = model.pool === 'cls' ? 1 : 0;
    const pixels = model.patchSize * model.patchSize * 3;
    const dec = maeDecoderConfig(model, o.decoder);
    return [
      // The encoder sees the kept patches only (all N are embedded first, which the estimate prices).
      { imageSize: model.imageSize, count: 1, grad: true, tokenFraction: kept / n },
      {
        // The decoder: its blocks over all c+N positions; beside them its embed, mask token, norm and
        // pixel head (weights), the embed and unshuffle outputs, the [N, p*p*3] prediction and the
        // loss's target patches, per-patch normalisation and squared error (about 13 per pixel).
        imageSize: model.imageSize,
        count: 1,
        grad: true,
        blocks: dec,
        extraParams: linearParams(model.dim, dec.dim) + dec.dim + 2 * dec.dim + linearParams(dec.dim, pixels),
        extraFloats: (prefix + kept + n) * dec.dim + 13 * n * pixels,
      },
    ];
  },
  load: () => import('./method').then((m) => m.mae),
});
