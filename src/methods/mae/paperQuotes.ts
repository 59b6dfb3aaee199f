/**
 * What the paper says about the MAE decoder's cost, the one home for these quotes: the
 * comparison's MAE table and the Paper scale card both show them beside the lab's figures.
 */

/** The paper's statement for a mask ratio and decoder (appendix A.5; section 2.1), or null when it makes none. */
export function maeDecoderQuote(maskRatio: number, decoder: string): string | null {
  if (decoder === 'tiny') return '72 % faster training (§2.1)';
  if (maskRatio === 0.75) return '≈65 % of fwd+bwd time (A.5)';
  if (maskRatio === 0.55) return '≈45 % of fwd+bwd time (A.5)';
  if (maskRatio === 0.85) return 'up to 85 % of step time and FLOPs (§2.1)';
  return null;
}
