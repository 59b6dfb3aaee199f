;; FLOP Lab's SIMD kernels for tfjs-backend-wasm: GELU and the multi-head attention core, forward
;; and backward, LayerNorm (layerNorm.wat) and the optimiser (optimizer.wat), with the semantics
;; of the WebGPU kernels of the same names (src/engine/fused/webgpu/). The module imports tfjs-wasm's own memory, so
;; it reads and writes tensors where they live; every pointer argument is a byte offset in it.
;; scripts/build-simd.ts compiles this file twice into binary.ts: MEMORY_LIMITS becomes nothing
;; (tfjs's SIMD build) and "65536 shared" (its threaded SIMD build, whose memory is shared);
;; tests/wasm-simd.test.ts checks that binary.ts is this file's current compilation. A line
;; ";; @include NAME" is replaced by the file NAME beside this one.
;; GELU's and attention's loops are written do-while: their callers never pass an empty size.
;;
;; Layouts (as on WebGPU): q, k, v, dy and the context are [B*T, D] with D = H*dh (row b*T + t,
;; head h in columns h*dh .. h*dh + dh); probabilities and score gradients are [B*H, T, T].
(module
  (import "env" "memory" (memory 1 MEMORY_LIMITS))

  ;; ---- helpers ---------------------------------------------------------------------------

  ;; The first `n` (0..4; 4 or more: a whole quad) floats at p into lanes 0..n-1, zeros above: a
  ;; tail never reads past its tensor.
  (func $loadPart (param $p i32) (param $n i32) (result v128)
    (local $v v128)
    (if (i32.ge_s (local.get $n) (i32.const 4)) (then (return (v128.load (local.get $p)))))
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then (local.set $v (f32x4.replace_lane 0 (local.get $v) (f32.load (local.get $p))))))
    (if (i32.gt_s (local.get $n) (i32.const 1)) (then (local.set $v (f32x4.replace_lane 1 (local.get $v) (f32.load offset=4 (local.get $p))))))
    (if (i32.gt_s (local.get $n) (i32.const 2)) (then (local.set $v (f32x4.replace_lane 2 (local.get $v) (f32.load offset=8 (local.get $p))))))
    (if (i32.gt_s (local.get $n) (i32.const 3)) (then (local.set $v (f32x4.replace_lane 3 (local.get $v) (f32.load offset=12 (local.get $p))))))
    (local.get $v))

  ;; Lanes 0..n-1 of v to the first `n` floats at p (4 or more: the whole quad): a tail never
  ;; writes past its tensor.
  (func $storePart (param $p i32) (param $v v128) (param $n i32)
    (if (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.store (local.get $p) (local.get $v)) (return)))
    (if (i32.gt_s (local.get $n) (i32.const 0)) (then (f32.store (local.get $p) (f32x4.extract_lane 0 (local.get $v)))))
    (if (i32.gt_s (local.get $n) (i32.const 1)) (then (f32.store offset=4 (local.get $p) (f32x4.extract_lane 1 (local.get $v)))))
    (if (i32.gt_s (local.get $n) (i32.const 2)) (then (f32.store offset=8 (local.get $p) (f32x4.extract_lane 2 (local.get $v)))))
    (if (i32.gt_s (local.get $n) (i32.const 3)) (then (f32.store offset=12 (local.get $p) (f32x4.extract_lane 3 (local.get $v))))))

  ;; exp on 4 lanes (Cephes expf: x = n ln2 + r, |r| <= ln2 / 2, a degree-7 polynomial in r, times
  ;; 2^n built in the exponent bits); relative error about 1e-7. Below -87.33 (under the smallest
  ;; normal float) it gives 0.
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (local.set $under (f32x4.lt (local.get $x) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33)))
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (v128.const f32x4 -87.33 -87.33 -87.33 -87.33))
                             (v128.const f32x4 88.37 88.37 88.37 88.37)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504 1.44269504 1.44269504 1.44269504))))
    (local.set $r (f32x4.sub (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
                             (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (local.get $p) (f32x4.mul (local.get $r) (local.get $r))) (local.get $r))
                             (v128.const f32x4 1 1 1 1)))
    (local.set $p (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
    (v128.andnot (local.get $p) (local.get $under)))

  ;; 2 Phi(x) = 1 + erf(x / sqrt 2), erf as the rational function of Eigen's and XLA's float32
  ;; erf: z clamped to [-4, 4] (beyond, erf is +-1 in float32, and the fit gives exactly +-1 at
  ;; +-4), odd degree-13 numerator over even degree-8 denominator in z; absolute error 4e-7,
  ;; measured against a float64 erf. No exp, unlike the erfc form the WebGPU kernel evaluates:
  ;; the forward pass then costs two short polynomials and one division.
  (func $phi2 (param $x v128) (result v128)
    (local $z v128) (local $z2 v128) (local $p v128) (local $q v128)
    (local.set $z (f32x4.min (f32x4.max (f32x4.mul (local.get $x) (v128.const f32x4 0.70710678 0.70710678 0.70710678 0.70710678)) (v128.const f32x4 -4 -4 -4 -4)) (v128.const f32x4 4 4 4 4)))
    (local.set $z2 (f32x4.mul (local.get $z) (local.get $z)))
    (local.set $p (v128.const f32x4 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 2.77068142495902e-08 2.77068142495902e-08 2.77068142495902e-08 2.77068142495902e-08)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -2.10102402082508e-06 -2.10102402082508e-06 -2.10102402082508e-06 -2.10102402082508e-06)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -5.69250639462346e-05 -5.69250639462346e-05 -5.69250639462346e-05 -5.69250639462346e-05)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -7.34990630326855e-04 -7.34990630326855e-04 -7.34990630326855e-04 -7.34990630326855e-04)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -2.95459980854025e-03 -2.95459980854025e-03 -2.95459980854025e-03 -2.95459980854025e-03)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $z2)) (v128.const f32x4 -1.60960333262415e-02 -1.60960333262415e-02 -1.60960333262415e-02 -1.60960333262415e-02)))
    (local.set $q (v128.const f32x4 -1.45660718464996e-05 -1.45660718464996e-05 -1.45660718464996e-05 -1.45660718464996e-05))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -2.13374055278905e-04 -2.13374055278905e-04 -2.13374055278905e-04 -2.13374055278905e-04)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -1.68282697438203e-03 -1.68282697438203e-03 -1.68282697438203e-03 -1.68282697438203e-03)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -7.37332916720468e-03 -7.37332916720468e-03 -7.37332916720468e-03 -7.37332916720468e-03)))
    (local.set $q (f32x4.add (f32x4.mul (local.get $q) (local.get $z2)) (v128.const f32x4 -1.42647390514189e-02 -1.42647390514189e-02 -1.42647390514189e-02 -1.42647390514189e-02)))
    (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.div (f32x4.mul (local.get $p) (local.get $z)) (local.get $q))))

  ;; gelu(x) = x Phi(x) = 0.5 x 2Phi(x).
  (func $gelu4 (param $x v128) (result v128)
    (f32x4.mul (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $x)) (call $phi2 (local.get $x))))

  ;; dy (Phi(x) + x phi(x)), phi the standard normal density (1 / sqrt(2 pi) = 0.39894228).
  (func $geluGrad4 (param $dy v128) (param $x v128) (result v128)
    (f32x4.mul (local.get $dy)
      (f32x4.add (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (call $phi2 (local.get $x)))
                 (f32x4.mul (f32x4.mul (local.get $x) (v128.const f32x4 0.39894228 0.39894228 0.39894228 0.39894228))
                            (call $exp4 (f32x4.mul (v128.const f32x4 -0.5 -0.5 -0.5 -0.5) (f32x4.mul (local.get $x) (local.get $x))))))))

  ;; ---- GELU ------------------------------------------------------------------------------

  ;; out[i] = gelu(x[i]), i < n.
  (func (export "gelu") (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $out) (call $gelu4 (v128.load (local.get $x))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $n (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $n) (then
      (call $storePart (local.get $out) (call $gelu4 (call $loadPart (local.get $x) (local.get $n))) (local.get $n)))))

  ;; out[i] = dy[i] gelu'(x[i]), i < n.
  (func (export "geluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (v128.store (local.get $out) (call $geluGrad4 (v128.load (local.get $dy)) (v128.load (local.get $x))))
      (local.set $dy (i32.add (local.get $dy) (i32.const 16)))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $n (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $n) (then
      (call $storePart (local.get $out)
        (call $geluGrad4 (call $loadPart (local.get $dy) (local.get $n)) (call $loadPart (local.get $x) (local.get $n)))
        (local.get $n)))))

  ;; ---- attention -------------------------------------------------------------------------

  ;; out[bh, i, j] = x_i . y_j over head h's dh columns (b, h from bh). Per (b, h), y's head block
  ;; is first transposed into scratch as [dh, tp] (tp = T rounded up to 4, zero-padded), so four
  ;; scores of a row come from one multiply-add per column: acc += x[i, c] * yT[c, j..j+3].
  ;; scratch holds dh * tp floats.
  (func $scores (param $x i32) (param $y i32) (param $out i32) (param $scratch i32)
                (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
    (local $rowBytes i32) (local $tp i32) (local $b i32) (local $h i32) (local $i i32) (local $j i32) (local $c i32)
    (local $src i32) (local $dst i32) (local $xrow i32) (local $orow i32) (local $xp i32) (local $sp i32) (local $acc v128)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $H) (local.get $dh)) (i32.const 2)))
    (local.set $tp (i32.and (i32.add (local.get $T) (i32.const 3)) (i32.const -4)))
    (local.set $b (i32.const 0))
    (loop $eachB
      (local.set $h (i32.const 0))
      (loop $eachH
        ;; scratch[c * tp + j] = y[(b*T + j)*D + h*dh + c], 0 for T <= j < tp
        (local.set $c (i32.const 0))
        (loop $eachC
          (local.set $src (i32.add (local.get $y) (i32.add (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $rowBytes))
                                                              (i32.shl (i32.add (i32.mul (local.get $h) (local.get $dh)) (local.get $c)) (i32.const 2)))))
          (local.set $dst (i32.add (local.get $scratch) (i32.shl (i32.mul (local.get $c) (local.get $tp)) (i32.const 2))))
          (local.set $j (i32.const 0))
          (loop $eachJ
            (if (i32.lt_s (local.get $j) (local.get $T))
              (then
                (f32.store (local.get $dst) (f32.load (local.get $src)))
                (local.set $src (i32.add (local.get $src) (local.get $rowBytes))))
              (else (f32.store (local.get $dst) (f32.const 0))))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (br_if $eachJ (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $tp))))
          (br_if $eachC (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $dh))))
        (local.set $i (i32.const 0))
        (loop $eachI
          (local.set $xrow (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $i)) (local.get $rowBytes))
                                                             (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))))
          (local.set $orow (i32.add (local.get $out)
            (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $i)) (local.get $T)) (i32.const 2))))
          (local.set $j (i32.const 0))
          (loop $eachBlock
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $xp (local.get $xrow))
            (local.set $sp (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c (i32.const 0))
            (loop $eachC2
              (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.splat (f32.load (local.get $xp))) (v128.load (local.get $sp)))))
              (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
              (local.set $sp (i32.add (local.get $sp) (i32.shl (local.get $tp) (i32.const 2))))
              (br_if $eachC2 (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $dh))))
            (if (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $T))
              (then (v128.store (i32.add (local.get $orow) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc)))
              (else (call $storePart (i32.add (local.get $orow) (i32.shl (local.get $j) (i32.const 2))) (local.get $acc)
                                     (i32.sub (local.get $T) (local.get $j)))))
            (br_if $eachBlock (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T))))
          (br_if $eachI (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $T))))
        (br_if $eachH (i32.lt_s (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $eachB (i32.lt_s (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; dP[bh, i, j] = dy_i . v_j (the context's gradient with respect to the probabilities).
  (func (export "attnGradProbs") (param $dy i32) (param $v i32) (param $out i32) (param $scratch i32)
                                 (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
    (call $scores (local.get $dy) (local.get $v) (local.get $out) (local.get $scratch)
                  (local.get $B) (local.get $T) (local.get $H) (local.get $dh)))

  ;; P[bh, i, :] = softmax(q_i . k_j * scale (+ -1e9 where j > i when causal)) over j.
  (func (export "attnProbs") (param $q i32) (param $k i32) (param $out i32) (param $scratch i32)
                             (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
                             (param $scale f32) (param $causal i32)
    (local $rows i32) (local $r i32) (local $i i32) (local $j i32) (local $p i32) (local $s f32) (local $mx f32)
    (local $sum f32) (local $e v128) (local $n i32)
    (call $scores (local.get $q) (local.get $k) (local.get $out) (local.get $scratch)
                  (local.get $B) (local.get $T) (local.get $H) (local.get $dh))
    (local.set $rows (i32.mul (i32.mul (local.get $B) (local.get $H)) (local.get $T)))
    (local.set $p (local.get $out))
    (local.set $r (i32.const 0))
    (loop $eachRow
      (local.set $i (i32.rem_u (local.get $r) (local.get $T)))
      (local.set $mx (f32.const -inf))
      (local.set $j (i32.const 0))
      (loop $scale
        (local.set $s (f32.mul (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $scale)))
        (if (i32.and (local.get $causal) (i32.gt_s (local.get $j) (local.get $i)))
          (then (local.set $s (f32.add (local.get $s) (f32.const -1e9)))))
        (f32.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
        (local.set $mx (f32.max (local.get $mx) (local.get $s)))
        (br_if $scale (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (local.set $sum (f32.const 0))
      (local.set $j (i32.const 0))
      (loop $exp
        (local.set $n (select (i32.const 4) (i32.sub (local.get $T) (local.get $j)) (i32.le_s (i32.add (local.get $j) (i32.const 4)) (local.get $T))))
        (local.set $e (call $exp4 (f32x4.sub (call $loadPart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $n))
                                             (f32x4.splat (local.get $mx)))))
        (call $storePart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $e) (local.get $n))
        (br_if $exp (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T))))
      (local.set $j (i32.const 0))
      (loop $add
        (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (br_if $add (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (local.set $j (i32.const 0))
      (loop $divide
        (f32.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))
          (f32.div (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $sum)))
        (br_if $divide (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (local.set $p (i32.add (local.get $p) (i32.shl (local.get $T) (i32.const 2))))
      (br_if $eachRow (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; out[(b*T + r)*D + h*dh + c] = sum_s M[bh, r, s] * y[(b*T + s)*D + h*dh + c], M[bh, s, r] when
  ;; `transposed`: the context P v, dv = P^T dy, dq = dS k and dk = dS^T q. Four output columns at
  ;; a time: acc += M[r, s] * y[s, c..c+3].
  (func (export "attnMix") (param $m i32) (param $y i32) (param $out i32)
                           (param $B i32) (param $T i32) (param $H i32) (param $dh i32) (param $transposed i32)
    (local $rowBytes i32) (local $mStep i32) (local $b i32) (local $h i32) (local $r i32) (local $c i32) (local $s i32)
    (local $m0 i32) (local $y0 i32) (local $o i32) (local $mp i32) (local $yp i32) (local $n i32) (local $acc v128)
    (local.set $rowBytes (i32.shl (i32.mul (local.get $H) (local.get $dh)) (i32.const 2)))
    (local.set $mStep (select (i32.shl (local.get $T) (i32.const 2)) (i32.const 4) (local.get $transposed)))
    (local.set $b (i32.const 0))
    (loop $eachB
      (local.set $h (i32.const 0))
      (loop $eachH
        (local.set $r (i32.const 0))
        (loop $eachR
          (local.set $m0 (i32.add (local.get $m) (i32.shl (i32.add
            (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $T))
            (select (local.get $r) (i32.mul (local.get $r) (local.get $T)) (local.get $transposed))) (i32.const 2))))
          (local.set $y0 (i32.add (local.get $y) (i32.add (i32.mul (i32.mul (local.get $b) (local.get $T)) (local.get $rowBytes))
                                                           (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))))
          (local.set $o (i32.add (local.get $out) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (local.get $r)) (local.get $rowBytes))
                                                            (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))))
          (local.set $c (i32.const 0))
          (loop $eachBlock
            (local.set $n (select (i32.const 4) (i32.sub (local.get $dh) (local.get $c)) (i32.le_s (i32.add (local.get $c) (i32.const 4)) (local.get $dh))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $mp (local.get $m0))
            (local.set $yp (i32.add (local.get $y0) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $s (i32.const 0))
            (if (i32.eq (local.get $n) (i32.const 4))
              (then
                (loop $eachS
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.splat (f32.load (local.get $mp))) (v128.load (local.get $yp)))))
                  (local.set $mp (i32.add (local.get $mp) (local.get $mStep)))
                  (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
                  (br_if $eachS (i32.lt_s (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T))))
                (v128.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc)))
              (else
                (loop $eachSPart
                  (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (f32x4.splat (f32.load (local.get $mp))) (call $loadPart (local.get $yp) (local.get $n)))))
                  (local.set $mp (i32.add (local.get $mp) (local.get $mStep)))
                  (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
                  (br_if $eachSPart (i32.lt_s (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T))))
                (call $storePart (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc) (local.get $n))))
            (br_if $eachBlock (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $dh))))
          (br_if $eachR (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $T))))
        (br_if $eachH (i32.lt_s (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $eachB (i32.lt_s (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; dS = P * (dP - sum_j dP * P) * scale, row by row (rows of T): the softmax and scale backward.
  (func (export "attnGradScores") (param $dp i32) (param $p i32) (param $out i32) (param $rows i32) (param $T i32) (param $scale f32)
    (local $r i32) (local $j i32) (local $acc f32) (local $off i32)
    (local.set $r (i32.const 0))
    (loop $eachRow
      (local.set $acc (f32.const 0))
      (local.set $j (i32.const 0))
      (loop $dot
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (local.set $acc (f32.add (local.get $acc) (f32.mul (f32.load (i32.add (local.get $dp) (local.get $off))) (f32.load (i32.add (local.get $p) (local.get $off))))))
        (br_if $dot (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (local.set $j (i32.const 0))
      (loop $write
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (f32.store (i32.add (local.get $out) (local.get $off))
          (f32.mul (f32.mul (f32.load (i32.add (local.get $p) (local.get $off)))
                            (f32.sub (f32.load (i32.add (local.get $dp) (local.get $off))) (local.get $acc)))
                   (local.get $scale)))
        (br_if $write (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (local.set $off (i32.shl (local.get $T) (i32.const 2)))
      (local.set $dp (i32.add (local.get $dp) (local.get $off)))
      (local.set $p (i32.add (local.get $p) (local.get $off)))
      (local.set $out (i32.add (local.get $out) (local.get $off)))
      (br_if $eachRow (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; @include optimizer.wat
  ;; @include layerNorm.wat
  ;; @include linear.wat
)
