  ;; ---- LayerNorm (included into kernels.wat's module) --------------------------------------
  ;;
  ;; The four kernels of ../layerNorm.ts over rows of width d, 4 columns at a time, in float32
  ;; (the TypeScript loops they replace summed each row in float64; the composed ops sum in
  ;; float32, as these do). stats is [rows, 2]: each row's mean and 1 / sqrt(var + eps).

  ;; Lanes 0..n-1 all ones, the others zero: masks a row's tail where a zero lane would count.
  (func $laneMask (param $n i32) (result v128)
    (i32x4.lt_s (v128.const i32x4 0 1 2 3) (i32x4.splat (local.get $n))))

  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Four rows' statistics side by side: rows x, x + d, x + 2d, x + 3d floats, each a v128 with
  ;; its mean in lane 0 and 1 / sqrt(var + eps) in lane 1 (var of the centred values). `left`
  ;; rows exist (1..4, or more): a row past them re-reads the last one, for the caller to drop.
  ;; One row's sums form one chain of dependent adds (48 columns: 12 in a row); four rows'
  ;; chains interleave, each still summed in its order.
  (func $rowStats4 (param $x i32) (param $d i32) (param $eps f32) (param $left i32) (result v128 v128 v128 v128)
    (local $rowBytes i32) (local $endOff i32) (local $tail i32) (local $off i32)
    ;; @each a b c d
    (local $x# i32) (local $acc# v128) (local $c# v128) (local $mv# v128)
    ;; @end
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (local.set $endOff (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2)))
    (local.set $tail (i32.and (local.get $d) (i32.const 3)))
    ;; @each a=0 b=1 c=2 d=3
    (local.set $x# (i32.add (local.get $x) (i32.mul (local.get $rowBytes) (call $minRow (i32.const %) (i32.sub (local.get $left) (i32.const 1))))))
    ;; @end
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $off) (local.get $endOff)))
      ;; @each a b c d
      (local.set $acc# (f32x4.add (local.get $acc#) (v128.load (i32.add (local.get $x#) (local.get $off)))))
      ;; @end
      (local.set $off (i32.add (local.get $off) (i32.const 16)))
      (br $next)))
    ;; @each a b c d
    (local.set $acc# (f32x4.add (local.get $acc#) (call $loadPart (i32.add (local.get $x#) (local.get $off)) (local.get $tail))))
    (local.set $mv# (f32x4.splat (f32.div (call $hsum (local.get $acc#)) (f32.convert_i32_s (local.get $d)))))
    (local.set $acc# (v128.const i32x4 0 0 0 0))
    ;; @end
    (local.set $off (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $off) (local.get $endOff)))
      ;; @each a b c d
      (local.set $c# (f32x4.sub (v128.load (i32.add (local.get $x#) (local.get $off))) (local.get $mv#)))
      (local.set $acc# (f32x4.add (local.get $acc#) (f32x4.mul (local.get $c#) (local.get $c#))))
      ;; @end
      (local.set $off (i32.add (local.get $off) (i32.const 16)))
      (br $next)))
    ;; @each a b c d
    (local.set $c# (v128.and (f32x4.sub (call $loadPart (i32.add (local.get $x#) (local.get $off)) (local.get $tail)) (local.get $mv#)) (call $laneMask (local.get $tail))))
    (local.set $acc# (f32x4.add (local.get $acc#) (f32x4.mul (local.get $c#) (local.get $c#))))
    ;; @end
    ;; @each a b c d
    (f32x4.replace_lane 1 (local.get $mv#) (f32.div (f32.const 1) (f32.sqrt (f32.add (f32.div (call $hsum (local.get $acc#)) (f32.convert_i32_s (local.get $d))) (local.get $eps)))))
    ;; @end
    )

  ;; The kernels' per-quad formulas. Each quad's loads and store branch once on the count left
  ;; in the row: plain loads for a whole quad, loadPart / storePart for the tail only (a call per
  ;; operand on every quad had cost more than the arithmetic: 2.3x slower).

  ;; (x - mean) rstd gamma + beta.
  (func $affine (param $x v128) (param $mean v128) (param $rstd v128) (param $g v128) (param $b v128) (result v128)
    (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (local.get $x) (local.get $mean)) (local.get $rstd)) (local.get $g)) (local.get $b)))

  ;; dy gamma and xhat = (x - mean) rstd.
  (func $gdyXhat (param $dy v128) (param $g v128) (param $x v128) (param $mean v128) (param $rstd v128) (result v128 v128)
    (f32x4.mul (local.get $dy) (local.get $g))
    (f32x4.mul (f32x4.sub (local.get $x) (local.get $mean)) (local.get $rstd)))

  ;; y = (x - mean) rstd gamma + beta, four rows at a time (their statistics side by side).
  (func (export "layerNorm") (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32) (param $rows i32) (param $d i32) (param $eps f32)
    (local $r i32) (local $rowBytes i32)
    ;; @each a b c d
    (local $st# v128)
    ;; @end
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $groupsDone (loop $eachGroup
      (br_if $groupsDone (i32.ge_s (local.get $r) (local.get $rows)))
      (call $rowStats4 (local.get $x) (local.get $d) (local.get $eps) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $std) (local.set $stc) (local.set $stb) (local.set $sta)
      ;; @each a=0 b=1 c=2 d=3
      (if (i32.lt_s (i32.add (local.get $r) (i32.const %)) (local.get $rows)) (then (call $affineRow (i32.add (local.get $x) (i32.mul (local.get $rowBytes) (i32.const %))) (local.get $gamma) (local.get $beta) (i32.add (local.get $out) (i32.mul (local.get $rowBytes) (i32.const %))) (local.get $d) (local.get $st#))))
      ;; @end
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $out (i32.add (local.get $out) (i32.shl (local.get $rowBytes) (i32.const 2))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $eachGroup))))

  ;; One row of y = (x - mean) rstd gamma + beta, st holding mean (lane 0) and rstd (lane 1).
  (func $affineRow (param $x i32) (param $gamma i32) (param $beta i32) (param $out i32) (param $d i32) (param $st v128)
    (local $j i32) (local $mean v128) (local $rstd v128) (local $n i32) (local $off i32)
    (local $xq v128) (local $gq v128) (local $bq v128) (local $v v128)
    (local.set $mean (f32x4.splat (f32x4.extract_lane 0 (local.get $st))))
    (local.set $rstd (f32x4.splat (f32x4.extract_lane 1 (local.get $st))))
    (block $colsDone (loop $eachQuad
      (br_if $colsDone (i32.ge_s (local.get $j) (local.get $d)))
      (local.set $n (i32.sub (local.get $d) (local.get $j)))
      (local.set $off (i32.shl (local.get $j) (i32.const 2)))
      (if (result v128 v128 v128) (i32.ge_s (local.get $n) (i32.const 4))
        (then (v128.load (i32.add (local.get $x) (local.get $off))) (v128.load (i32.add (local.get $gamma) (local.get $off))) (v128.load (i32.add (local.get $beta) (local.get $off))))
        (else (call $loadPart (i32.add (local.get $x) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $gamma) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $beta) (local.get $off)) (local.get $n))))
      (local.set $bq) (local.set $gq) (local.set $xq)
      (local.set $v (call $affine (local.get $xq) (local.get $mean) (local.get $rstd) (local.get $gq) (local.get $bq)))
      (if (i32.ge_s (local.get $n) (i32.const 4))
        (then (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v)))
        (else (call $storePart (i32.add (local.get $out) (local.get $off)) (local.get $v) (local.get $n))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $eachQuad))))

  ;; stats[r] = (mean, rstd) of row r, four rows at a time.
  (func (export "layerNormStats") (param $x i32) (param $out i32) (param $rows i32) (param $d i32) (param $eps f32)
    (local $r i32)
    ;; @each a b c d
    (local $st# v128)
    ;; @end
    (block $groupsDone (loop $eachGroup
      (br_if $groupsDone (i32.ge_s (local.get $r) (local.get $rows)))
      (call $rowStats4 (local.get $x) (local.get $d) (local.get $eps) (i32.sub (local.get $rows) (local.get $r)))
      (local.set $std) (local.set $stc) (local.set $stb) (local.set $sta)
      ;; @each a=0/0/4 b=1/8/12 c=2/16/20 d=3/24/28
      (if (i32.lt_s (i32.add (local.get $r) (i32.const %1)) (local.get $rows)) (then (f32.store offset=%2 (local.get $out) (f32x4.extract_lane 0 (local.get $st#))) (f32.store offset=%3 (local.get $out) (f32x4.extract_lane 1 (local.get $st#)))))
      ;; @end
      (local.set $out (i32.add (local.get $out) (i32.const 32)))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 4))))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $eachGroup))))

  ;; dx = rstd (dy gamma - mean(dy gamma) - xhat mean(dy gamma xhat)): each row's two sums (a
  ;; chain of dependent adds each), four rows side by side, then each row's dx. In the last group
  ;; a row past `rows` re-reads the last row (k#) and writes nothing.
  (func (export "layerNormGradX") (param $dy i32) (param $x i32) (param $gamma i32) (param $stats i32) (param $out i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $n i32) (local $off i32) (local $gq v128) (local $invD f32) (local $rowBytes i32)
    ;; @each a b c d
    (local $k# i32) (local $mean# v128) (local $rstd# v128) (local $a# v128) (local $b# v128) (local $gdy# v128) (local $xhat# v128)
    ;; @end
    (local.set $invD (f32.div (f32.const 1) (f32.convert_i32_s (local.get $d))))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 2)))
    (block $groupsDone (loop $eachGroup
      (br_if $groupsDone (i32.ge_s (local.get $r) (local.get $rows)))
      ;; @each a=0 b=1 c=2 d=3
      (local.set $k# (call $minRow (i32.const %) (i32.sub (i32.sub (local.get $rows) (local.get $r)) (i32.const 1))))
      (local.set $mean# (f32x4.splat (f32.load (i32.add (local.get $stats) (i32.shl (local.get $k#) (i32.const 3))))))
      (local.set $rstd# (f32x4.splat (f32.load offset=4 (i32.add (local.get $stats) (i32.shl (local.get $k#) (i32.const 3))))))
      (local.set $a# (v128.const i32x4 0 0 0 0))
      (local.set $b# (v128.const i32x4 0 0 0 0))
      ;; @end
      ;; Whole quads with plain loads, then a tail (d not a multiple of 4) through loadPart.
      (local.set $off (i32.const 0))
      (local.set $n (i32.shl (i32.and (local.get $d) (i32.const -4)) (i32.const 2)))
      (block $sumsDone (loop $eachQuad
        (br_if $sumsDone (i32.ge_u (local.get $off) (local.get $n)))
        (local.set $gq (v128.load (i32.add (local.get $gamma) (local.get $off))))
        ;; @each a b c d
        (call $gdyXhat (v128.load (i32.add (i32.add (local.get $dy) (i32.mul (local.get $rowBytes) (local.get $k#))) (local.get $off))) (local.get $gq) (v128.load (i32.add (i32.add (local.get $x) (i32.mul (local.get $rowBytes) (local.get $k#))) (local.get $off))) (local.get $mean#) (local.get $rstd#)) (local.set $xhat#) (local.set $gdy#)
        (local.set $a# (f32x4.add (local.get $a#) (local.get $gdy#)))
        (local.set $b# (f32x4.add (local.get $b#) (f32x4.mul (local.get $gdy#) (local.get $xhat#))))
        ;; @end
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (br $eachQuad)))
      (if (i32.and (local.get $d) (i32.const 3)) (then
        (local.set $j (i32.and (local.get $d) (i32.const 3)))
        (local.set $gq (call $loadPart (i32.add (local.get $gamma) (local.get $off)) (local.get $j)))
        ;; @each a b c d
        (call $gdyXhat (call $loadPart (i32.add (i32.add (local.get $dy) (i32.mul (local.get $rowBytes) (local.get $k#))) (local.get $off)) (local.get $j)) (local.get $gq) (call $loadPart (i32.add (i32.add (local.get $x) (i32.mul (local.get $rowBytes) (local.get $k#))) (local.get $off)) (local.get $j)) (local.get $mean#) (local.get $rstd#)) (local.set $xhat#) (local.set $gdy#)
        (local.set $a# (f32x4.add (local.get $a#) (local.get $gdy#)))
        (local.set $b# (f32x4.add (local.get $b#) (f32x4.mul (local.get $gdy#) (local.get $xhat#))))
        ;; @end
        ))
      ;; @each a=0 b=1 c=2 d=3
      (if (i32.lt_s (i32.add (local.get $r) (i32.const %)) (local.get $rows)) (then (call $gradXRow (i32.add (local.get $dy) (i32.mul (local.get $rowBytes) (i32.const %))) (i32.add (local.get $x) (i32.mul (local.get $rowBytes) (i32.const %))) (local.get $gamma) (i32.add (local.get $out) (i32.mul (local.get $rowBytes) (i32.const %))) (local.get $d) (local.get $mean#) (local.get $rstd#) (f32x4.splat (f32.mul (call $hsum (local.get $a#)) (local.get $invD))) (f32x4.splat (f32.mul (call $hsum (local.get $b#)) (local.get $invD))))))
      ;; @end
      (local.set $off (i32.shl (local.get $rowBytes) (i32.const 2)))
      (local.set $dy (i32.add (local.get $dy) (local.get $off)))
      (local.set $x (i32.add (local.get $x) (local.get $off)))
      (local.set $out (i32.add (local.get $out) (local.get $off)))
      (local.set $stats (i32.add (local.get $stats) (i32.const 32)))
      (local.set $r (i32.add (local.get $r) (i32.const 4)))
      (br $eachGroup))))

  ;; One row of dx = rstd (dy gamma - a - xhat b), a and b the row's means of dy gamma and of dy gamma xhat.
  (func $gradXRow (param $dy i32) (param $x i32) (param $gamma i32) (param $out i32) (param $d i32)
                  (param $mean v128) (param $rstd v128) (param $a v128) (param $b v128)
    (local $j i32) (local $n i32) (local $off i32) (local $gdy v128) (local $xhat v128) (local $v v128)
    (local $dyq v128) (local $gq v128) (local $xq v128)
    (block $colsDone (loop $eachQuad
      (br_if $colsDone (i32.ge_s (local.get $j) (local.get $d)))
      (local.set $n (i32.sub (local.get $d) (local.get $j)))
      (local.set $off (i32.shl (local.get $j) (i32.const 2)))
      (if (result v128 v128 v128) (i32.ge_s (local.get $n) (i32.const 4))
        (then (v128.load (i32.add (local.get $dy) (local.get $off))) (v128.load (i32.add (local.get $gamma) (local.get $off))) (v128.load (i32.add (local.get $x) (local.get $off))))
        (else (call $loadPart (i32.add (local.get $dy) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $gamma) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $x) (local.get $off)) (local.get $n))))
      (local.set $xq) (local.set $gq) (local.set $dyq)
      (call $gdyXhat (local.get $dyq) (local.get $gq) (local.get $xq) (local.get $mean) (local.get $rstd))
      (local.set $xhat) (local.set $gdy)
      (local.set $v (f32x4.mul (local.get $rstd) (f32x4.sub (f32x4.sub (local.get $gdy) (local.get $a)) (f32x4.mul (local.get $xhat) (local.get $b)))))
      (if (i32.ge_s (local.get $n) (i32.const 4))
        (then (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v)))
        (else (call $storePart (i32.add (local.get $out) (local.get $off)) (local.get $v) (local.get $n))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $eachQuad))))

  ;; dgamma[j] = the sum over rows of dy xhat: running sums in `out`, as columnSum keeps them.
  (func (export "layerNormGradGamma") (param $dy i32) (param $x i32) (param $stats i32) (param $out i32) (param $rows i32) (param $d i32)
    (local $r i32) (local $j i32) (local $n i32) (local $off i32) (local $mean v128) (local $rstd v128)
    (local $oq v128) (local $dyq v128) (local $xq v128) (local $v v128)
    (block $zeroed (loop $zero
      (br_if $zeroed (i32.ge_s (local.get $j) (local.get $d)))
      (call $storePart (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 2))) (v128.const i32x4 0 0 0 0)
        (select (i32.const 4) (i32.sub (local.get $d) (local.get $j)) (i32.ge_s (i32.sub (local.get $d) (local.get $j)) (i32.const 4))))
      (local.set $j (i32.add (local.get $j) (i32.const 4)))
      (br $zero)))
    (block $rowsDone (loop $eachRow
      (br_if $rowsDone (i32.ge_s (local.get $r) (local.get $rows)))
      (local.set $mean (f32x4.splat (f32.load (local.get $stats))))
      (local.set $rstd (f32x4.splat (f32.load offset=4 (local.get $stats))))
      (local.set $j (i32.const 0))
      (block $colsDone (loop $eachQuad
        (br_if $colsDone (i32.ge_s (local.get $j) (local.get $d)))
        (local.set $n (i32.sub (local.get $d) (local.get $j)))
        (local.set $off (i32.shl (local.get $j) (i32.const 2)))
        (if (result v128 v128 v128) (i32.ge_s (local.get $n) (i32.const 4))
          (then (v128.load (i32.add (local.get $out) (local.get $off))) (v128.load (i32.add (local.get $dy) (local.get $off))) (v128.load (i32.add (local.get $x) (local.get $off))))
          (else (call $loadPart (i32.add (local.get $out) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $dy) (local.get $off)) (local.get $n)) (call $loadPart (i32.add (local.get $x) (local.get $off)) (local.get $n))))
        (local.set $xq) (local.set $dyq) (local.set $oq)
        (local.set $v (f32x4.add (local.get $oq) (f32x4.mul (local.get $dyq) (f32x4.mul (f32x4.sub (local.get $xq) (local.get $mean)) (local.get $rstd)))))
        (if (i32.ge_s (local.get $n) (i32.const 4))
          (then (v128.store (i32.add (local.get $out) (local.get $off)) (local.get $v)))
          (else (call $storePart (i32.add (local.get $out) (local.get $off)) (local.get $v) (local.get $n))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $eachQuad)))
      (local.set $dy (i32.add (local.get $dy) (i32.shl (local.get $d) (i32.const 2))))
      (local.set $x (i32.add (local.get $x) (i32.shl (local.get $d) (i32.const 2))))
      (local.set $stats (i32.add (local.get $stats) (i32.const 8)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $eachRow))))
