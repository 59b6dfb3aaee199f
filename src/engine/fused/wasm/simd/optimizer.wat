  ;; ---- the optimiser and column sums (included into kernels.wat's module) ----------------
  ;;
  ;; Elementwise kernels with the float32 operations of the TypeScript loops in ../optimizer.ts,
  ;; in their order, one rounding each and no fused multiply-add: 4 lanes give the same floats
  ;; (division and square root are correctly rounded either way; 1 - beta comes in as the loops
  ;; round it, from the float64 difference), so the two agree bit for bit
  ;; (tests/wasm-simd.test.ts). Only sumSquares sums in another order (8 partial sums). Tails
  ;; go through $loadPart / $storePart, whose zero lanes are computed and never stored.

  ;; The sum of x[i]^2, i < n: 8 running sums (lanes of two vectors: i mod 8), added at the end.
  ;; One running sum waits on each add (4 cycles); 8 keep the adder busy.
  (func (export "sumSquares") (param $x i32) (param $n i32) (result f32)
    (local $end i32) (local $a v128) (local $b v128) (local $v v128)
    (local.set $end (i32.add (local.get $x) (i32.shl (i32.and (local.get $n) (i32.const -8)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $x) (local.get $end)))
      (local.set $v (v128.load (local.get $x)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $v) (local.get $v))))
      (local.set $v (v128.load offset=16 (local.get $x)))
      (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $v) (local.get $v))))
      (local.set $x (i32.add (local.get $x) (i32.const 32)))
      (br $next)))
    (if (i32.and (local.get $n) (i32.const 4)) (then
      (local.set $v (v128.load (local.get $x)))
      (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $v) (local.get $v))))
      (local.set $x (i32.add (local.get $x) (i32.const 16)))))
    (local.set $v (call $loadPart (local.get $x) (i32.and (local.get $n) (i32.const 3))))
    (local.set $a (f32x4.add (f32x4.add (local.get $a) (f32x4.mul (local.get $v) (local.get $v))) (local.get $b)))
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 1 (local.get $a)))
             (f32.add (f32x4.extract_lane 2 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; AdamW's moments, packed [2, n] (m then v) in `mv` and `out` (which may be the same buffer):
  ;; gi = g * scale (the clip scale; 1 leaves g as it is), m = m b1 + gi c1, v = v b2 + gi^2 c2.
  (func $m4 (param $g v128) (param $m v128) (param $s v128) (param $b1 v128) (param $c1 v128) (result v128)
    (f32x4.add (f32x4.mul (local.get $m) (local.get $b1)) (f32x4.mul (f32x4.mul (local.get $g) (local.get $s)) (local.get $c1))))
  (func $v4 (param $g v128) (param $v v128) (param $s v128) (param $b2 v128) (param $c2 v128) (result v128)
    (local.set $g (f32x4.mul (local.get $g) (local.get $s)))
    (f32x4.add (f32x4.mul (local.get $v) (local.get $b2)) (f32x4.mul (f32x4.mul (local.get $g) (local.get $g)) (local.get $c2))))

  (func (export "adamwMoments") (param $g i32) (param $mv i32) (param $out i32) (param $n i32)
                                (param $scale f32) (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (local $s v128) (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128)
    (local $vIn i32) (local $vOut i32) (local $end i32) (local $tail i32) (local $gv v128)
    (local.set $s (f32x4.splat (local.get $scale)))
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $c1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $vIn (i32.add (local.get $mv) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $vOut (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end (i32.add (local.get $g) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $g) (local.get $end)))
      (local.set $gv (v128.load (local.get $g)))
      (v128.store (local.get $out) (call $m4 (local.get $gv) (v128.load (local.get $mv)) (local.get $s) (local.get $b1) (local.get $c1)))
      (v128.store (local.get $vOut) (call $v4 (local.get $gv) (v128.load (local.get $vIn)) (local.get $s) (local.get $b2) (local.get $c2)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $mv (i32.add (local.get $mv) (i32.const 16)))
      (local.set $vIn (i32.add (local.get $vIn) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $vOut (i32.add (local.get $vOut) (i32.const 16)))
      (br $next)))
    (local.set $tail (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $tail) (then
      (local.set $gv (call $loadPart (local.get $g) (local.get $tail)))
      (call $storePart (local.get $out)
        (call $m4 (local.get $gv) (call $loadPart (local.get $mv) (local.get $tail)) (local.get $s) (local.get $b1) (local.get $c1)) (local.get $tail))
      (call $storePart (local.get $vOut)
        (call $v4 (local.get $gv) (call $loadPart (local.get $vIn) (local.get $tail)) (local.get $s) (local.get $b2) (local.get $c2)) (local.get $tail)))))

  ;; AdamW's step from the updated moments: next = p - (m / bc1) / (sqrt(v / bc2) + eps) * lr,
  ;; then next - p * wdLr when `decay` (no decay subtracts nothing, not p * 0: -0 stays -0).
  (func $param4 (param $p v128) (param $m v128) (param $v v128) (param $lr v128) (param $bc1 v128) (param $bc2 v128)
                (param $eps v128) (param $wd v128) (param $decay i32) (result v128)
    (local $next v128)
    (local.set $next
      (f32x4.sub (local.get $p)
        (f32x4.mul (f32x4.div (f32x4.div (local.get $m) (local.get $bc1))
                              (f32x4.add (f32x4.sqrt (f32x4.div (local.get $v) (local.get $bc2))) (local.get $eps)))
                   (local.get $lr))))
    (if (result v128) (local.get $decay)
      (then (f32x4.sub (local.get $next) (f32x4.mul (local.get $p) (local.get $wd))))
      (else (local.get $next))))

  (func (export "adamwParam") (param $p i32) (param $mv i32) (param $out i32) (param $n i32)
                              (param $lr f32) (param $bc1 f32) (param $bc2 f32) (param $eps f32) (param $wdLr f32) (param $decay i32)
    (local $vIn i32) (local $end i32) (local $tail i32)
    (local $vlr v128) (local $vbc1 v128) (local $vbc2 v128) (local $veps v128) (local $vwd v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vbc1 (f32x4.splat (local.get $bc1)))
    (local.set $vbc2 (f32x4.splat (local.get $bc2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vwd (f32x4.splat (local.get $wdLr)))
    (local.set $vIn (i32.add (local.get $mv) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $end (i32.add (local.get $p) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (v128.store (local.get $out)
        (call $param4 (v128.load (local.get $p)) (v128.load (local.get $mv)) (v128.load (local.get $vIn))
                      (local.get $vlr) (local.get $vbc1) (local.get $vbc2) (local.get $veps) (local.get $vwd) (local.get $decay)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $mv (i32.add (local.get $mv) (i32.const 16)))
      (local.set $vIn (i32.add (local.get $vIn) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $tail (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $tail) (then
      (call $storePart (local.get $out)
        (call $param4 (call $loadPart (local.get $p) (local.get $tail)) (call $loadPart (local.get $mv) (local.get $tail))
                      (call $loadPart (local.get $vIn) (local.get $tail))
                      (local.get $vlr) (local.get $vbc1) (local.get $vbc2) (local.get $veps) (local.get $vwd) (local.get $decay))
        (local.get $tail)))))

  ;; The EMA: out = t * momentum + s * (1 - momentum).
  (func $ema4 (param $t v128) (param $s v128) (param $m v128) (param $c v128) (result v128)
    (f32x4.add (f32x4.mul (local.get $t) (local.get $m)) (f32x4.mul (local.get $s) (local.get $c))))

  (func (export "ema") (param $t i32) (param $s i32) (param $out i32) (param $n i32) (param $momentum f32) (param $oneMinusMomentum f32)
    (local $end i32) (local $tail i32) (local $m v128) (local $c v128)
    (local.set $m (f32x4.splat (local.get $momentum)))
    (local.set $c (f32x4.splat (local.get $oneMinusMomentum)))
    (local.set $end (i32.add (local.get $t) (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $t) (local.get $end)))
      (v128.store (local.get $out) (call $ema4 (v128.load (local.get $t)) (v128.load (local.get $s)) (local.get $m) (local.get $c)))
      (local.set $t (i32.add (local.get $t) (i32.const 16)))
      (local.set $s (i32.add (local.get $s) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (br $next)))
    (local.set $tail (i32.and (local.get $n) (i32.const 3)))
    (if (local.get $tail) (then
      (call $storePart (local.get $out)
        (call $ema4 (call $loadPart (local.get $t) (local.get $tail)) (call $loadPart (local.get $s) (local.get $tail)) (local.get $m) (local.get $c))
        (local.get $tail)))))

  ;; out[i] = a[i] + b[i] (op 0) or a[i] * b[i] (op 1), i < n: tfjs's Add and Multiply of two
  ;; float32 tensors of one shape (../sameShapeBinary.ts), 16 floats a pass, then the quads and
  ;; floats left. One IEEE operation a float, so the floats are tfjs-wasm's own.
  (func (export "sameShapeBinary") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $op i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 2))))
    (block $done16 (loop $each16
      (br_if $done16 (i32.ge_u (local.get $out) (local.get $end)))
      (if (local.get $op)
        (then
          ;; @each a=0 b=16 c=32 d=48
          (v128.store offset=% (local.get $out) (f32x4.mul (v128.load offset=% (local.get $a)) (v128.load offset=% (local.get $b))))
          ;; @end
          )
        (else
          ;; @each a=0 b=16 c=32 d=48
          (v128.store offset=% (local.get $out) (f32x4.add (v128.load offset=% (local.get $a)) (v128.load offset=% (local.get $b))))
          ;; @end
          ))
      (local.set $a (i32.add (local.get $a) (i32.const 64)))
      (local.set $b (i32.add (local.get $b) (i32.const 64)))
      (local.set $out (i32.add (local.get $out) (i32.const 64)))
      (br $each16)))
    (local.set $n (i32.and (local.get $n) (i32.const 15)))
    (block $done (loop $eachQuad
      (br_if $done (i32.le_s (local.get $n) (i32.const 0)))
      (call $storePart (local.get $out) (call $binaryOp (call $loadPart (local.get $a) (local.get $n)) (call $loadPart (local.get $b) (local.get $n)) (local.get $op)) (local.get $n))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $out (i32.add (local.get $out) (i32.const 16)))
      (local.set $n (i32.sub (local.get $n) (i32.const 4)))
      (br $eachQuad))))

  (func $binaryOp (param $x v128) (param $y v128) (param $op i32) (result v128)
    (if (result v128) (local.get $op) (then (f32x4.mul (local.get $x) (local.get $y))) (else (f32x4.add (local.get $x) (local.get $y)))))

  ;; out[j] = the sum over i < rows of x[i * cols + j], j < cols: each column summed in row order
  ;; from 0, as tfjs-wasm's Sum over leading axes does (it transposes, then sums each row of the
  ;; transpose in order), so the floats are the same. `out` holds the running sums, so x is read
  ;; once, row after row, where the transpose copies it first. A bias's gradient (../columnSum.ts).
  (func (export "columnSum") (param $x i32) (param $out i32) (param $rows i32) (param $cols i32)
    (local $i i32) (local $o i32) (local $left i32) (local $lanes i32)
    (local.set $left (local.get $cols))
    (local.set $o (local.get $out))
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.le_s (local.get $left) (i32.const 0)))
      (local.set $lanes (select (i32.const 4) (local.get $left) (i32.ge_s (local.get $left) (i32.const 4))))
      (call $storePart (local.get $o) (v128.const f32x4 0 0 0 0) (local.get $lanes))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (local.set $left (i32.sub (local.get $left) (i32.const 4)))
      (br $zero)))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $i) (local.get $rows)))
      (local.set $o (local.get $out))
      (local.set $left (local.get $cols))
      (block $colsDone (loop $eachQuad
        (br_if $colsDone (i32.lt_s (local.get $left) (i32.const 4)))
        (v128.store (local.get $o) (f32x4.add (v128.load (local.get $o)) (v128.load (local.get $x))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (local.set $x (i32.add (local.get $x) (i32.const 16)))
        (local.set $left (i32.sub (local.get $left) (i32.const 4)))
        (br $eachQuad)))
      (if (local.get $left) (then
        (call $storePart (local.get $o)
          (f32x4.add (call $loadPart (local.get $o) (local.get $left)) (call $loadPart (local.get $x) (local.get $left)))
          (local.get $left))
        (local.set $x (i32.add (local.get $x) (i32.shl (local.get $left) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $eachRow))))
