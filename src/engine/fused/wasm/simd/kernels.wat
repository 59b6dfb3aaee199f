;; FLOP Lab's SIMD kernels for tfjs-backend-wasm: GELU and the multi-head attention core, forward
;; and backward, LayerNorm (layerNorm.wat) and the optimiser (optimizer.wat), with the semantics
;; of the WebGPU kernels of the same names (src/engine/fused/webgpu/). The module imports tfjs-wasm's own memory, so
;; it reads and writes tensors where they live; every pointer argument is a byte offset in it.
;; scripts/build-simd.ts compiles this file into binary.ts once per memory kind: MEMORY_LIMITS
;; becomes nothing (tfjs's SIMD build) and "65536 shared" (its threaded SIMD build, whose memory
;; is shared), and each twice over (f32x4.madd, below);
;; tests/wasm-simd.test.ts checks that binary.ts is this file's current compilation. A line
;; ";; @include NAME" is replaced by the file NAME beside this one (a whole section, or a
;; snippet of a kernel's body: exp16.wat, phi16.wat), and a block ";; @each a b c d" .. ";; @end"
;; is written once per stream, line by line (tooling/simdWat.ts). Attention's loops are written
;; do-while: their callers never pass an empty size.
;;
;; `(f32x4.madd X Y Z)`, X * Y + Z, is the products' one pseudo-instruction (Linear's and the
;; attention's): the build writes it as relaxed SIMD's fused multiply-add (one rounding; on x86
;; half the instructions of those inner loops) in one module, and as `(f32x4.add Z (f32x4.mul X
;; Y))` in another, for engines without relaxed SIMD (instance.ts picks).
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

  ;; ---- GELU and exp ----------------------------------------------------------------------
  ;;
  ;; 16 floats a pass, as four quads whose polynomial chains interleave: one quad at a time waits
  ;; out each multiply-add's latency (GELU 2.2x slower in Chromium, docs/results.md). A last pass
  ;; of fewer than 16 reads its missing lanes as zeros and writes only the floats that exist.

  ;; out[i] = gelu(x[i]) = 0.5 x 2Phi(x), i < n.
  (func (export "gelu") (param $x i32) (param $out i32) (param $n i32)
    ;; @each a b c d
    (local $x# v128) (local $phz# v128) (local $phz2# v128) (local $php# v128) (local $phq# v128) (local $phi# v128) (local $y# v128)
    ;; @end
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (local.set $x# (v128.load offset=% (local.get $x)))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (local.set $x# (call $loadPart (i32.add (local.get $x) (i32.const %1)) (i32.sub (local.get $n) (i32.const %2))))
          ;; @end
          ))

      ;; @include phi16.wat
      ;; @each a b c d
      (local.set $y# (f32x4.mul (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $x#)) (local.get $phi#)))
      ;; @end
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (v128.store offset=% (local.get $out) (local.get $y#))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (call $storePart (i32.add (local.get $out) (i32.const %1)) (local.get $y#) (i32.sub (local.get $n) (i32.const %2)))
          ;; @end
          ))
      (local.set $x (i32.add (local.get $x) (i32.const 64)))
      (local.set $out (i32.add (local.get $out) (i32.const 64)))
      (local.set $n (i32.sub (local.get $n) (i32.const 16)))
      (br $next))))

  ;; out[i] = dy[i] gelu'(x[i]) = dy (Phi(x) + x phi(x)), phi the standard normal density (1 / sqrt(2 pi) = 0.39894228), i < n.
  (func (export "geluGrad") (param $dy i32) (param $x i32) (param $out i32) (param $n i32)
    ;; @each a b c d
    (local $dy# v128) (local $x# v128) (local $phz# v128) (local $phz2# v128) (local $php# v128) (local $phq# v128) (local $phi# v128) (local $ex# v128) (local $exn# v128) (local $exr# v128) (local $exu# v128) (local $e# v128) (local $y# v128)
    ;; @end
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (local.set $dy# (v128.load offset=% (local.get $dy)))
          ;; @end
          ;; @each a=0 b=16 c=32 d=48
          (local.set $x# (v128.load offset=% (local.get $x)))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (local.set $dy# (call $loadPart (i32.add (local.get $dy) (i32.const %1)) (i32.sub (local.get $n) (i32.const %2))))
          ;; @end
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (local.set $x# (call $loadPart (i32.add (local.get $x) (i32.const %1)) (i32.sub (local.get $n) (i32.const %2))))
          ;; @end
          ))
      ;; @each a b c d
      (local.set $ex# (f32x4.mul (v128.const f32x4 -0.5 -0.5 -0.5 -0.5) (f32x4.mul (local.get $x#) (local.get $x#))))
      ;; @end
      ;; @include exp16.wat
      ;; @include phi16.wat
      ;; @each a b c d
      (local.set $y# (f32x4.mul (local.get $dy#) (f32x4.add (f32x4.mul (v128.const f32x4 0.5 0.5 0.5 0.5) (local.get $phi#)) (f32x4.mul (f32x4.mul (local.get $x#) (v128.const f32x4 0.39894228 0.39894228 0.39894228 0.39894228)) (local.get $e#)))))
      ;; @end
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (v128.store offset=% (local.get $out) (local.get $y#))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (call $storePart (i32.add (local.get $out) (i32.const %1)) (local.get $y#) (i32.sub (local.get $n) (i32.const %2)))
          ;; @end
          ))
      (local.set $dy (i32.add (local.get $dy) (i32.const 64)))
      (local.set $x (i32.add (local.get $x) (i32.const 64)))
      (local.set $out (i32.add (local.get $out) (i32.const 64)))
      (local.set $n (i32.sub (local.get $n) (i32.const 16)))
      (br $next))))

  ;; x[i] = exp(x[i]), i < n, in place (the softmaxes' exponentials).
  (func $expInPlace (param $x i32) (param $n i32)
    ;; @each a b c d
    (local $ex# v128) (local $exn# v128) (local $exr# v128) (local $exu# v128) (local $e# v128)
    ;; @end
    (block $done (loop $next
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (local.set $ex# (v128.load offset=% (local.get $x)))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (local.set $ex# (call $loadPart (i32.add (local.get $x) (i32.const %1)) (i32.sub (local.get $n) (i32.const %2))))
          ;; @end
          ))
      ;; @include exp16.wat
      (if (i32.ge_s (local.get $n) (i32.const 16))
        (then
          ;; @each a=0 b=16 c=32 d=48
          (v128.store offset=% (local.get $x) (local.get $e#))
          ;; @end
          )
        (else
          ;; @each a=0/0 b=16/4 c=32/8 d=48/12
          (call $storePart (i32.add (local.get $x) (i32.const %1)) (local.get $e#) (i32.sub (local.get $n) (i32.const %2)))
          ;; @end
          ))
      (local.set $x (i32.add (local.get $x) (i32.const 64)))
      (local.set $n (i32.sub (local.get $n) (i32.const 16)))
      (br $next))))

  ;; ---- attention -------------------------------------------------------------------------

  ;; out[bh, i, j] = x_i . y_j over head h's dh columns (b, h from bh). Per (b, h), y's head block
  ;; is first transposed into scratch as [dh, tp] (tp = T rounded up to 4, zero-padded), so four
  ;; scores of a row come from one multiply-add per column: acc += x[i, c] * yT[c, j..j+3].
  ;; scratch holds dh * tp floats.
  (func $scores (param $x i32) (param $y i32) (param $out i32) (param $scratch i32)
                (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
                (param $softmax i32) (param $scale f32) (param $causal i32)
    (local $rowBytes i32) (local $tp i32) (local $b i32) (local $h i32) (local $i i32) (local $j i32) (local $c i32)
    (local $src i32) (local $dst i32) (local $orow i32) (local $sp i32) (local $yv v128)
    ;; @each a b c d
    (local $xrow# i32) (local $xp# i32) (local $acc# v128)
    ;; @end
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
        ;; Four rows of x at a time (rows past T re-read row T-1 and are not stored): their four
        ;; running sums share each load of yT and their add chains interleave.
        (local.set $i (i32.const 0))
        (loop $eachI
          ;; @each a=0 b=1 c=2 d=3
          (local.set $xrow# (i32.add (local.get $x) (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $T)) (select (i32.add (local.get $i) (i32.const %)) (i32.sub (local.get $T) (i32.const 1)) (i32.lt_s (i32.add (local.get $i) (i32.const %)) (local.get $T)))) (local.get $rowBytes)) (i32.shl (i32.mul (local.get $h) (local.get $dh)) (i32.const 2)))))
          ;; @end
          (local.set $orow (i32.add (local.get $out)
            (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $i)) (local.get $T)) (i32.const 2))))
          (local.set $j (i32.const 0))
          (loop $eachBlock
            ;; @each a b c d
            (local.set $acc# (v128.const i32x4 0 0 0 0))
            (local.set $xp# (local.get $xrow#))
            ;; @end
            (local.set $sp (i32.add (local.get $scratch) (i32.shl (local.get $j) (i32.const 2))))
            (local.set $c (i32.const 0))
            (loop $eachC2
              (local.set $yv (v128.load (local.get $sp)))
              ;; @each a b c d
              (local.set $acc# (f32x4.madd (f32x4.splat (f32.load (local.get $xp#))) (local.get $yv) (local.get $acc#)))
              (local.set $xp# (i32.add (local.get $xp#) (i32.const 4)))
              ;; @end
              (local.set $sp (i32.add (local.get $sp) (i32.shl (local.get $tp) (i32.const 2))))
              (br_if $eachC2 (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 1))) (local.get $dh))))
            ;; @each a=0 b=1 c=2 d=3
            (if (i32.lt_s (i32.add (local.get $i) (i32.const %)) (local.get $T)) (then (call $storePart (i32.add (local.get $orow) (i32.shl (i32.add (i32.mul (i32.const %) (local.get $T)) (local.get $j)) (i32.const 2))) (local.get $acc#) (i32.sub (local.get $T) (local.get $j)))))
            ;; @end
            (br_if $eachBlock (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T))))
          (br_if $eachI (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $T))))
        ;; attnProbs: this head's T rows through the softmax now, while they are in L1.
        (if (local.get $softmax) (then
          (call $softmaxRows (i32.add (local.get $out) (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $T)) (local.get $T)) (i32.const 2)))
                             (local.get $T) (local.get $T) (local.get $scale) (local.get $causal))))
        (br_if $eachH (i32.lt_s (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $eachB (i32.lt_s (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; dP[bh, i, j] = dy_i . v_j (the context's gradient with respect to the probabilities).
  (func (export "attnGradProbs") (param $dy i32) (param $v i32) (param $out i32) (param $scratch i32)
                                 (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
    (call $scores (local.get $dy) (local.get $v) (local.get $out) (local.get $scratch)
                  (local.get $B) (local.get $T) (local.get $H) (local.get $dh) (i32.const 0) (f32.const 0) (i32.const 0)))

  ;; P[bh, i, :] = softmax(q_i . k_j * scale (+ -1e9 where j > i when causal)) over j, one head
  ;; of one batch element at a time: its scores, then their softmax while they are still in L1
  ;; (T^2 floats: 17 KB at 64 tokens; all of the batch's, 1.6 MB, left L2 between the passes).
  (func (export "attnProbs") (param $q i32) (param $k i32) (param $out i32) (param $scratch i32)
                             (param $B i32) (param $T i32) (param $H i32) (param $dh i32)
                             (param $scale f32) (param $causal i32)
    (call $scores (local.get $q) (local.get $k) (local.get $out) (local.get $scratch)
                  (local.get $B) (local.get $T) (local.get $H) (local.get $dh) (i32.const 1) (local.get $scale) (local.get $causal)))

  ;; softmax(row * scale (+ -1e9 where j > i, i the row's index mod T, when causal)) of `rows` rows
  ;; of T at p, in place: each row scaled, masked and less its max first (a quad at a time), then
  ;; the exponentials over all rows at once (16 floats a pass: a row of T = 17 would leave most of
  ;; a pass empty), then each row's sum (float by float, in order) and division (a quad at a time).
  (func $softmaxRows (param $p i32) (param $rows i32) (param $T i32) (param $scale f32) (param $causal i32)
    (local $out i32) (local $r i32) (local $i i32) (local $j i32) (local $mx f32) (local $n i32)
    (local $sum f32) (local $scaleV v128) (local $sv v128) (local $mxv v128) (local $v v128)
    (local $rowBytes i32) (local $end i32)
    ;; @each a b c d
    (local $sum# f32) (local $q# i32)
    ;; @end
    (local.set $out (local.get $p))
    (local.set $r (i32.const 0))
    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (loop $eachRow
      (local.set $i (i32.rem_u (local.get $r) (local.get $T)))
      (local.set $mxv (v128.const f32x4 -inf -inf -inf -inf))
      (local.set $j (i32.const 0))
      (loop $scale
        (local.set $n (i32.sub (local.get $T) (local.get $j)))
        (local.set $sv (f32x4.mul (if (result v128) (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))) (else (call $loadPart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)))) (local.get $scaleV)))
        ;; Causal: -1e9 added where key j > query i (lanes j..j+3), the others left as they are.
        (if (local.get $causal) (then
          (local.set $sv (v128.bitselect (f32x4.add (local.get $sv) (v128.const f32x4 -1e9 -1e9 -1e9 -1e9)) (local.get $sv)
            (i32x4.gt_s (i32x4.add (i32x4.splat (local.get $j)) (v128.const i32x4 0 1 2 3)) (i32x4.splat (local.get $i)))))))
        (if (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $sv))) (else (call $storePart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $sv) (local.get $n))))
        ;; Lanes past the row's end are -inf for the max (only the last quad has any). pmax, not
        ;; max (exp16.wat says why): they differ only on NaN and on the sign of a zero maximum,
        ;; whose exp(x - max) is the same.
        (local.set $mxv (f32x4.pmax (local.get $mxv) (if (result v128) (i32.ge_s (local.get $n) (i32.const 4)) (then (local.get $sv))
          (else (v128.bitselect (local.get $sv) (v128.const f32x4 -inf -inf -inf -inf) (call $laneMask (local.get $n)))))))
        (br_if $scale (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T))))
      (local.set $mx (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mxv)) (f32x4.extract_lane 1 (local.get $mxv)))
                              (f32.max (f32x4.extract_lane 2 (local.get $mxv)) (f32x4.extract_lane 3 (local.get $mxv)))))
      (local.set $mxv (f32x4.splat (local.get $mx)))
      (local.set $j (i32.const 0))
      (loop $less
        (local.set $n (i32.sub (local.get $T) (local.get $j)))
        (local.set $v (f32x4.sub (if (result v128) (i32.ge_s (local.get $n) (i32.const 4))
          (then (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))) (else (call $loadPart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)))) (local.get $mxv)))
        (if (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $v))) (else (call $storePart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $v) (local.get $n))))
        (br_if $less (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T))))
      (local.set $p (i32.add (local.get $p) (i32.shl (local.get $T) (i32.const 2))))
      (br_if $eachRow (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows))))
    (call $expInPlace (local.get $out) (i32.mul (local.get $rows) (local.get $T)))
    ;; Each row's sum float by float in j order; four rows' sums at once, their add chains
    ;; interleaved (one row at a time waited out T add latencies), then the rows left one by one.
    (local.set $p (local.get $out))
    (local.set $rowBytes (i32.shl (local.get $T) (i32.const 2)))
    ;; @each a=0 b=1 c=2 d=3
    (local.set $q# (i32.mul (local.get $rowBytes) (i32.const %)))
    ;; @end
    (local.set $r (i32.const 0))
    (block $groupsDone (loop $eachGroup
      (br_if $groupsDone (i32.gt_s (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
      ;; @each a b c d
      (local.set $sum# (f32.const 0))
      ;; @end
      (local.set $j (local.get $p))
      (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
      (loop $add4
        ;; @each a b c d
        (local.set $sum# (f32.add (local.get $sum#) (f32.load (i32.add (local.get $j) (local.get $q#)))))
        ;; @end
        (br_if $add4 (i32.lt_u (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $end))))
      ;; @each a b c d
      (call $divideRow (i32.add (local.get $p) (local.get $q#)) (local.get $T) (local.get $sum#))
      ;; @end
      (local.set $p (i32.add (local.get $p) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $eachGroup)))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $sum (f32.const 0))
      (local.set $j (i32.const 0))
      (loop $add
        (local.set $sum (f32.add (local.get $sum) (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))))
        (br_if $add (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (call $divideRow (local.get $p) (local.get $T) (local.get $sum))
      (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $eachRow))))

  ;; row[j] /= sum for j < T, a quad at a time.
  (func $divideRow (param $p i32) (param $T i32) (param $sum f32)
    (local $j i32) (local $n i32) (local $sumV v128)
    (local.set $sumV (f32x4.splat (local.get $sum)))
    (loop $divide
      (local.set $n (i32.sub (local.get $T) (local.get $j)))
      (if (i32.ge_s (local.get $n) (i32.const 4))
        (then (v128.store (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (f32x4.div (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2)))) (local.get $sumV))))
        (else (call $storePart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (f32x4.div (call $loadPart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)) (local.get $sumV)) (local.get $n))))
      (br_if $divide (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T)))))

  ;; out[(b*T + r)*D + h*dh + c] = sum_s M[bh, r, s] * y[(b*T + s)*D + h*dh + c], M[bh, s, r] when
  ;; `transposed`: the context P v, dv = P^T dy, dq = dS k and dk = dS^T q. Four output columns at
  ;; a time: acc += M[r, s] * y[s, c..c+3]; two rows at a time (r, r + 1) over 16 columns.
  (func (export "attnMix") (param $m i32) (param $y i32) (param $out i32)
                           (param $B i32) (param $T i32) (param $H i32) (param $dh i32) (param $transposed i32)
    (local $rowBytes i32) (local $mStep i32) (local $b i32) (local $h i32) (local $r i32) (local $c i32) (local $s i32)
    (local $m0 i32) (local $y0 i32) (local $o i32) (local $mp i32) (local $yp i32) (local $n i32) (local $acc v128) (local $mv v128)
    (local $mRow i32) (local $two i32) (local $mp1 i32) (local $mv1 v128) (local $pair i32) (local $wide i32)
    ;; @each a b c d
    (local $acc# v128) (local $acc#1 v128) (local $yv# v128)
    ;; @end
    (local.set $rowBytes (i32.shl (i32.mul (local.get $H) (local.get $dh)) (i32.const 2)))
    (local.set $mStep (select (i32.shl (local.get $T) (i32.const 2)) (i32.const 4) (local.get $transposed)))
    ;; From row r of M to row r + 1: the other stride.
    (local.set $mRow (select (i32.const 4) (i32.shl (local.get $T) (i32.const 2)) (local.get $transposed)))
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
          ;; Row r + 1 too when it exists (else row r again, not stored).
          (local.set $two (i32.lt_s (i32.add (local.get $r) (i32.const 1)) (local.get $T)))
          (local.set $c (i32.const 0))
          ;; 16 columns of two rows at a time: eight running sums share each load of y and each
          ;; splat of M, and their chains interleave (one sum at a time waited out T multiply-add
          ;; latencies: 3.5x slower; four still left half the multiply-add units idle).
          (block $wideDone (loop $eachWide
            (br_if $wideDone (i32.gt_s (i32.add (local.get $c) (i32.const 16)) (local.get $dh)))
            ;; @each a b c d
            (local.set $acc# (v128.const i32x4 0 0 0 0))
            (local.set $acc#1 (v128.const i32x4 0 0 0 0))
            ;; @end
            (local.set $mp (local.get $m0))
            (local.set $mp1 (select (i32.add (local.get $m0) (local.get $mRow)) (local.get $m0) (local.get $two)))
            (local.set $yp (i32.add (local.get $y0) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $s (i32.const 0))
            (loop $eachS16
              (local.set $mv (f32x4.splat (f32.load (local.get $mp))))
              (local.set $mv1 (f32x4.splat (f32.load (local.get $mp1))))
              ;; @each a=0 b=16 c=32 d=48
              (local.set $yv# (v128.load offset=% (local.get $yp)))
              (local.set $acc# (f32x4.madd (local.get $mv) (local.get $yv#) (local.get $acc#)))
              (local.set $acc#1 (f32x4.madd (local.get $mv1) (local.get $yv#) (local.get $acc#1)))
              ;; @end
              (local.set $mp (i32.add (local.get $mp) (local.get $mStep)))
              (local.set $mp1 (i32.add (local.get $mp1) (local.get $mStep)))
              (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
              (br_if $eachS16 (i32.lt_s (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T))))
            ;; @each a=0 b=16 c=32 d=48
            (v128.store offset=% (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc#))
            ;; @end
            (if (local.get $two) (then
              ;; @each a=0 b=16 c=32 d=48
              (v128.store offset=% (i32.add (i32.add (local.get $o) (local.get $rowBytes)) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc#1))
              ;; @end
              ))
            (local.set $c (i32.add (local.get $c) (i32.const 16)))
            (br $eachWide)))
          ;; The columns left (dh not a multiple of 16), row by row: r, then r + 1.
          (local.set $pair (i32.add (local.get $two) (i32.const 1)))
          (local.set $wide (local.get $c))
          (loop $eachOfPair
          (local.set $c (local.get $wide))
          (if (i32.lt_s (local.get $c) (local.get $dh)) (then
          (loop $eachBlock
            (local.set $n (select (i32.const 4) (i32.sub (local.get $dh) (local.get $c)) (i32.le_s (i32.add (local.get $c) (i32.const 4)) (local.get $dh))))
            (local.set $acc (v128.const i32x4 0 0 0 0))
            (local.set $mp (local.get $m0))
            (local.set $yp (i32.add (local.get $y0) (i32.shl (local.get $c) (i32.const 2))))
            (local.set $s (i32.const 0))
            (if (i32.eq (local.get $n) (i32.const 4))
              (then
                (loop $eachS
                  (local.set $acc (f32x4.madd (f32x4.splat (f32.load (local.get $mp))) (v128.load (local.get $yp)) (local.get $acc)))
                  (local.set $mp (i32.add (local.get $mp) (local.get $mStep)))
                  (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
                  (br_if $eachS (i32.lt_s (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T))))
                (v128.store (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc)))
              (else
                (loop $eachSPart
                  (local.set $acc (f32x4.madd (f32x4.splat (f32.load (local.get $mp))) (call $loadPart (local.get $yp) (local.get $n)) (local.get $acc)))
                  (local.set $mp (i32.add (local.get $mp) (local.get $mStep)))
                  (local.set $yp (i32.add (local.get $yp) (local.get $rowBytes)))
                  (br_if $eachSPart (i32.lt_s (local.tee $s (i32.add (local.get $s) (i32.const 1))) (local.get $T))))
                (call $storePart (i32.add (local.get $o) (i32.shl (local.get $c) (i32.const 2))) (local.get $acc) (local.get $n))))
            (br_if $eachBlock (i32.lt_s (local.tee $c (i32.add (local.get $c) (i32.const 4))) (local.get $dh))))))
          (local.set $m0 (i32.add (local.get $m0) (local.get $mRow)))
          (local.set $o (i32.add (local.get $o) (local.get $rowBytes)))
          (br_if $eachOfPair (local.tee $pair (i32.sub (local.get $pair) (i32.const 1)))))
          (br_if $eachR (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 2))) (local.get $T))))
        (br_if $eachH (i32.lt_s (local.tee $h (i32.add (local.get $h) (i32.const 1))) (local.get $H))))
      (br_if $eachB (i32.lt_s (local.tee $b (i32.add (local.get $b) (i32.const 1))) (local.get $B)))))

  ;; One row of dS = P * (dP - acc) * scale, a quad at a time (acc: the row's sum of dP * P).
  (func $gradScoresRow (param $dp i32) (param $p i32) (param $out i32) (param $T i32) (param $acc f32) (param $scale f32)
    (local $j i32) (local $n i32) (local $accV v128) (local $scaleV v128) (local $v v128)
    (local.set $accV (f32x4.splat (local.get $acc)))
    (local.set $scaleV (f32x4.splat (local.get $scale)))
    (loop $write
      (local.set $n (i32.sub (local.get $T) (local.get $j)))
      (local.set $v (f32x4.mul (f32x4.mul (if (result v128) (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))) (else (call $loadPart (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)))) (f32x4.sub (if (result v128) (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.load (i32.add (local.get $dp) (i32.shl (local.get $j) (i32.const 2))))) (else (call $loadPart (i32.add (local.get $dp) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)))) (local.get $accV))) (local.get $scaleV)))
      (if (i32.ge_s (local.get $n) (i32.const 4)) (then (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $v))) (else (call $storePart (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (local.get $v) (local.get $n))))
      (br_if $write (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 4))) (local.get $T)))))

  ;; dS = P * (dP - sum_j dP * P) * scale, row by row (rows of T): the softmax and scale backward.
  ;; Each row's sum runs float by float in j order; four rows' sums at once, their add chains
  ;; interleaved (one row at a time waited out T add latencies), then the rows left one by one.
  (func (export "attnGradScores") (param $dp i32) (param $p i32) (param $out i32) (param $rows i32) (param $T i32) (param $scale f32)
    (local $r i32) (local $j i32) (local $acc f32) (local $off i32) (local $rowBytes i32)
    ;; @each a b c d
    (local $acc# f32) (local $q# i32)
    ;; @end
    (local.set $rowBytes (i32.shl (local.get $T) (i32.const 2)))
    ;; @each a=0 b=1 c=2 d=3
    (local.set $q# (i32.mul (local.get $rowBytes) (i32.const %)))
    ;; @end
    (block $groupsDone (loop $eachGroup
      (br_if $groupsDone (i32.gt_s (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
      ;; @each a b c d
      (local.set $acc# (f32.const 0))
      ;; @end
      (local.set $j (i32.const 0))
      (loop $dot4
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        ;; @each a b c d
        (local.set $acc# (f32.add (local.get $acc#) (f32.mul (f32.load (i32.add (i32.add (local.get $dp) (local.get $q#)) (local.get $off))) (f32.load (i32.add (i32.add (local.get $p) (local.get $q#)) (local.get $off))))))
        ;; @end
        (br_if $dot4 (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      ;; @each a b c d
      (call $gradScoresRow (i32.add (local.get $dp) (local.get $q#)) (i32.add (local.get $p) (local.get $q#)) (i32.add (local.get $out) (local.get $q#)) (local.get $T) (local.get $acc#) (local.get $scale))
      ;; @end
      (local.set $off (i32.shl (local.get $rowBytes) (i32.const 2)))
      (local.set $dp (i32.add (local.get $dp) (local.get $off)))
      (local.set $p (i32.add (local.get $p) (local.get $off)))
      (local.set $out (i32.add (local.get $out) (local.get $off)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $eachGroup)))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $acc (f32.const 0))
      (local.set $j (i32.const 0))
      (loop $dot
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (local.set $acc (f32.add (local.get $acc) (f32.mul (f32.load (i32.add (local.get $dp) (local.get $off))) (f32.load (i32.add (local.get $p) (local.get $off))))))
        (br_if $dot (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $T))))
      (call $gradScoresRow (local.get $dp) (local.get $p) (local.get $out) (local.get $T) (local.get $acc) (local.get $scale))
      (local.set $dp (i32.add (local.get $dp) (local.get $rowBytes)))
      (local.set $p (i32.add (local.get $p) (local.get $rowBytes)))
      (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $eachRow))))

  ;; @include optimizer.wat
  ;; @include layerNorm.wat
  ;; @include linear.wat
)
