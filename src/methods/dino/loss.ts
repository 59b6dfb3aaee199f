/**
 * DINO self-distillation loss, centring and collapse monitor (Caron et al.
 * 2021; facebookresearch/dino `main_dino.py`, class DINOLoss).
 *
 * student: one [B, K] logit tensor per crop, the global crops first and then
 *          the local crops (the order of DINO's multi-crop `chunk(ncrops)`).
 * teacher: one [B, K] logit tensor per GLOBAL crop (teacher sees globals only).
 * center:  [1, K] running centre of the teacher logits.
 *
 * With q_i = softmax((teacher_i - center) / teacherTemp) (the teacher is a
 * constant target: no gradient reaches it in the lab, it comes from EMA
 * weights) and log p_v = log_softmax(student_v / studentTemp), the loss is the
 * average over all pairs (i, v) with v != i of mean_b(sum_k -q_i * log p_v):
 *     loss = (1 / #pairs) * sum_{i} sum_{v != i} mean_b H(q_i, p_v).
 * Student view v and teacher view i are the same crop when v == i, hence the
 * skip. Implementation note: the pairs are grouped per student view (the
 * targets sum_{i != v} q_i are added first), which is the same sum by
 * linearity and runs fewer kernels than the original double loop.
 */
import * as tf from '@tensorflow/tfjs';
import { useFused } from '../../engine/fused/enabled';
import { fusedSoftmaxCrossEntropy } from '../../engine/fused/webgpu/crossEntropy';

function checkViews(name: string, views: readonly tf.Tensor2D[], k: number, b?: number): void {
  for (const v of views) {
    if (v.rank !== 2 || v.shape[1] !== k || (b !== undefined && v.shape[0] !== b)) {
      throw new Error(`${name}: expected [${b ?? 'B'}, ${k}] views, got [${v.shape}]`);
    }
  }
}

/** Scalar DINO loss; see the file comment. */
export function dinoLoss(student: tf.Tensor2D[], teacher: tf.Tensor2D[], center: tf.Tensor2D, studentTemp: number, teacherTemp: number): tf.Scalar {
  if (teacher.length === 0 || student.length === 0) throw new Error('dinoLoss: no views');
  const [b, k] = teacher[0].shape;
  checkViews('dinoLoss teacher', teacher, k, b);
  checkViews('dinoLoss student', student, k, b);
  if (center.shape[0] !== 1 || center.shape[1] !== k) {
    throw new Error(`dinoLoss: center must be [1, ${k}], got [${center.shape}]`);
  }
  if (!(studentTemp > 0 && teacherTemp > 0)) throw new RangeError('dinoLoss: temperatures must be > 0');
  // Pairs (iq, v) with v != iq, iq over teacher (global) views, v over student views.
  let nPairs = 0;
  for (let iq = 0; iq < teacher.length; iq++) {
    for (let v = 0; v < student.length; v++) if (v !== iq) nPairs++;
  }
  if (nPairs === 0) throw new Error('dinoLoss: no (teacher, student) pair with different views');
  const fused = useFused('crossEntropy');
  return tf.tidy(() => {
    const q = teacher.map((t) => tf.softmax(tf.div(tf.sub(t, center), teacherTemp), -1));
    // Target of a local view: every teacher view (built only if locals exist).
    const qAll = student.length > q.length ? (q.length === 1 ? q[0] : tf.addN(q)) : null;
    const terms: tf.Tensor[] = [];
    for (let v = 0; v < student.length; v++) {
      // Sum of the teacher targets paired with student view v (all i != v).
      let target: tf.Tensor;
      if (v >= q.length) {
        target = qAll as tf.Tensor;
      } else {
        const others = q.filter((_, i) => i !== v);
        if (others.length === 0) continue; // only teacher view v exists: no pair
        target = others.length === 1 ? others[0] : tf.addN(others);
      }
      if (fused) {
        // One kernel: sum over b of H(target, softmax(student / studentTemp)), / (B #pairs).
        terms.push(fusedSoftmaxCrossEntropy(student[v], target as tf.Tensor2D, { inScale: 1 / studentTemp, scale: 1 / (b * nPairs) }));
        continue;
      }
      const logp = tf.logSoftmax(tf.div(student[v], studentTemp), -1);
      terms.push(tf.sum(tf.mul(target, logp))); // sum over b and k of q * log p
    }
    const total = terms.length === 1 ? terms[0] : tf.addN(terms);
    if (fused) return total as tf.Scalar;
    // -(sum over pairs of sum_b sum_k q log p) / B / #pairs
    return tf.div(tf.neg(total), b * nPairs) as tf.Scalar;
  });
}

/**
 * DINOLoss.update_center: center * m + mean over all rows of all global
 * teacher crops * (1 - m). Returns a new [1, K] tensor (the caller owns it and
 * disposes the old centre). Runs outside the gradient tape.
 */
export function dinoCenter(teacher: tf.Tensor2D[], center: tf.Tensor2D, momentum: number): tf.Tensor2D {
  if (teacher.length === 0) throw new Error('dinoCenter: no views');
  const k = center.shape[1];
  checkViews('dinoCenter teacher', teacher, k);
  return tf.tidy(() => {
    const all = teacher.length === 1 ? teacher[0] : tf.concat(teacher, 0);
    const batchCenter = tf.mean(all, 0, true);
    return tf.add(tf.mul(center, momentum), tf.mul(batchCenter, 1 - momentum)) as tf.Tensor2D;
  });
}

/**
 * Mean (over all rows of all global crops) entropy, in nats, of the centred
 * and sharpened teacher distribution softmax((t - center) / teacherTemp).
 * Collapse monitor: ~0 means one-hot collapse, log K means uniform collapse.
 */
export function teacherEntropy(teacher: tf.Tensor2D[], center: tf.Tensor2D, teacherTemp: number): tf.Scalar {
  if (teacher.length === 0) throw new Error('teacherEntropy: no views');
  const k = center.shape[1];
  checkViews('teacherEntropy teacher', teacher, k);
  return tf.tidy(() => {
    const all = teacher.length === 1 ? teacher[0] : tf.concat(teacher, 0);
    const logq = tf.logSoftmax(tf.div(tf.sub(all, center), teacherTemp), -1);
    const h = tf.neg(tf.sum(tf.mul(tf.exp(logq), logq), -1));
    return tf.mean(h) as tf.Scalar;
  });
}

/**
 * Entropy (nats) of the batch's mean teacher distribution: how many prototypes the batch uses
 * between them (exp of it is their effective number). Near 0 all images pick the same prototype
 * (one-hot collapse) even when each target is sharp, which the per-image entropy cannot tell.
 */
export function teacherMarginalEntropy(teacher: tf.Tensor2D[], center: tf.Tensor2D, teacherTemp: number): tf.Scalar {
  if (teacher.length === 0) throw new Error('teacherMarginalEntropy: no views');
  checkViews('teacherMarginalEntropy teacher', teacher, center.shape[1]);
  return tf.tidy(() => {
    const all = teacher.length === 1 ? teacher[0] : tf.concat(teacher, 0);
    const mean = tf.mean(tf.softmax(tf.div(tf.sub(all, center), teacherTemp), -1), 0);
    return tf.neg(tf.sum(tf.mul(mean, tf.log(tf.add(mean, 1e-12))))) as tf.Scalar;
  });
}
