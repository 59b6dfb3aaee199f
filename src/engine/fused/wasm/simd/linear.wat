  ;; ---- Linear layers' products (included into kernels.wat's module) ---------------------
  ;;
  ;; C [M, N] = A (M, P) B [P, N] (+ bias [N] on every row), C and B row-major. A is read
  ;; through two strides, so one kernel computes all three products of a Linear layer without
  ;; copying its operands: A(i, p) is the float at a + i*ai + p*ap (bytes):
  ;;   x W        ai = 4K, ap = 4   (x [M, K], W [K, N])
  ;;   x^T dy     ai = 4,  ap = 4K  (the weight gradient: C [K, N], P = M rows of x)
  ;;   dy W^T     ai = 4N, ap = 4   with W^T copied first by `transpose` (it is small).
  ;; tfjs-wasm's XNNPACK path makes an operator and packs its weights on each call and wants
  ;; the backward products' transposed operand copied first; at toy sizes (K = 48) that cost as
  ;; much as the arithmetic (docs/results.md, "the matmul floor").
  ;;
  ;; A block of 4 rows x 8 columns keeps its 8 running sums in registers over the whole of P (or
  ;; of a chunk of it, x^T dy: see `linear`):
  ;; per p, two loads of B, four splats of A and eight multiply-adds (`f32x4.madd`: relaxed
  ;; SIMD's fused multiply-add where the engine has it, else a multiply and an add; see
  ;; kernels.wat). Each C float is bias (or 0) plus the products in p order, each product added
  ;; with one rounding (fused) or two. Rows past M in the last block re-read row M-1 and are not
  ;; stored; columns past N in the last block come from a copy of B's last columns padded with
  ;; zeros (`panel`, P x 8 floats of scratch; a chunk's rows when P is taken in chunks), so no
  ;; load reads past a tensor.

  ;; One column panel: C[i, 0..n) for every row i < M, n (1..8) columns, block by block (4 rows
  ;; each; a last block of fewer re-reads row M-1 and stores only the rows that exist). A's rows
  ;; are ai bytes apart, a row's floats ap bytes apart; B's 8 columns at b, rows ldb bytes apart.
  ;; Each row's sums start from init0/init1 (the bias, or 0), or, `resume` non-zero, from what C
  ;; holds (a later chunk of P). P >= 1. One call a panel: the blocks of a chunk of P are short,
  ;; and a call per block (its arguments and stores) cost more than its chunk's products.
  (func $gemmPanel (param $a i32) (param $ai i32) (param $ap i32)
                   (param $b i32) (param $ldb i32) (param $P i32)
                   (param $c i32) (param $ldc i32) (param $M i32) (param $n i32)
                   (param $init0 v128) (param $init1 v128) (param $resume i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $x v128) (local $b0 v128) (local $b1 v128) (local $cr i32)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $bp i32) (local $p i32)
    (local $i i32) (local $rows i32) (local $full i32) (local $last i32)
    (local.set $last (i32.sub (local.get $M) (i32.const 1)))
    (loop $eachBlock
      (local.set $rows (select (i32.const 4) (i32.sub (local.get $M) (local.get $i)) (i32.ge_s (i32.sub (local.get $M) (local.get $i)) (i32.const 4))))
      (local.set $full (i32.and (i32.eq (local.get $rows) (i32.const 4)) (i32.eq (local.get $n) (i32.const 8))))
      (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ai))))
      (local.set $a1 (i32.add (local.get $a) (i32.mul (call $minRow (i32.add (local.get $i) (i32.const 1)) (local.get $last)) (local.get $ai))))
      (local.set $a2 (i32.add (local.get $a) (i32.mul (call $minRow (i32.add (local.get $i) (i32.const 2)) (local.get $last)) (local.get $ai))))
      (local.set $a3 (i32.add (local.get $a) (i32.mul (call $minRow (i32.add (local.get $i) (i32.const 3)) (local.get $last)) (local.get $ai))))
      (local.set $c00 (local.get $init0)) (local.set $c01 (local.get $init1))
      (local.set $c10 (local.get $init0)) (local.set $c11 (local.get $init1))
      (local.set $c20 (local.get $init0)) (local.set $c21 (local.get $init1))
      (local.set $c30 (local.get $init0)) (local.set $c31 (local.get $init1))
      (if (local.get $resume) (then
        (if (local.get $full)
          (then
            (local.set $c00 (v128.load (local.get $c)))
            (local.set $c01 (v128.load offset=16 (local.get $c)))
            (local.set $c10 (v128.load (local.tee $cr (i32.add (local.get $c) (local.get $ldc)))))
            (local.set $c11 (v128.load offset=16 (local.get $cr)))
            (local.set $c20 (v128.load (local.tee $cr (i32.add (local.get $cr) (local.get $ldc)))))
            (local.set $c21 (v128.load offset=16 (local.get $cr)))
            (local.set $c30 (v128.load (local.tee $cr (i32.add (local.get $cr) (local.get $ldc)))))
            (local.set $c31 (v128.load offset=16 (local.get $cr))))
          (else
            (local.set $c00 (call $loadPart (local.get $c) (local.get $n)))
            (local.set $c01 (call $loadPart (i32.add (local.get $c) (i32.const 16)) (i32.sub (local.get $n) (i32.const 4))))
            (if (i32.gt_s (local.get $rows) (i32.const 1)) (then
              (local.set $c10 (call $loadPart (local.tee $cr (i32.add (local.get $c) (local.get $ldc))) (local.get $n)))
              (local.set $c11 (call $loadPart (i32.add (local.get $cr) (i32.const 16)) (i32.sub (local.get $n) (i32.const 4))))))
            (if (i32.gt_s (local.get $rows) (i32.const 2)) (then
              (local.set $c20 (call $loadPart (local.tee $cr (i32.add (local.get $cr) (local.get $ldc))) (local.get $n)))
              (local.set $c21 (call $loadPart (i32.add (local.get $cr) (i32.const 16)) (i32.sub (local.get $n) (i32.const 4))))))
            (if (i32.gt_s (local.get $rows) (i32.const 3)) (then
              (local.set $c30 (call $loadPart (local.tee $cr (i32.add (local.get $cr) (local.get $ldc))) (local.get $n)))
              (local.set $c31 (call $loadPart (i32.add (local.get $cr) (i32.const 16)) (i32.sub (local.get $n) (i32.const 4))))))))))
      (local.set $bp (local.get $b))
      (local.set $p (local.get $P))
      (loop $eachP
        (local.set $b0 (v128.load (local.get $bp)))
        (local.set $b1 (v128.load offset=16 (local.get $bp)))
        (local.set $x (v128.load32_splat (local.get $a0)))
        (local.set $c00 (f32x4.madd (local.get $x) (local.get $b0) (local.get $c00)))
        (local.set $c01 (f32x4.madd (local.get $x) (local.get $b1) (local.get $c01)))
        (local.set $x (v128.load32_splat (local.get $a1)))
        (local.set $c10 (f32x4.madd (local.get $x) (local.get $b0) (local.get $c10)))
        (local.set $c11 (f32x4.madd (local.get $x) (local.get $b1) (local.get $c11)))
        (local.set $x (v128.load32_splat (local.get $a2)))
        (local.set $c20 (f32x4.madd (local.get $x) (local.get $b0) (local.get $c20)))
        (local.set $c21 (f32x4.madd (local.get $x) (local.get $b1) (local.get $c21)))
        (local.set $x (v128.load32_splat (local.get $a3)))
        (local.set $c30 (f32x4.madd (local.get $x) (local.get $b0) (local.get $c30)))
        (local.set $c31 (f32x4.madd (local.get $x) (local.get $b1) (local.get $c31)))
        (local.set $a0 (i32.add (local.get $a0) (local.get $ap)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $ap)))
        (local.set $a2 (i32.add (local.get $a2) (local.get $ap)))
        (local.set $a3 (i32.add (local.get $a3) (local.get $ap)))
        (local.set $bp (i32.add (local.get $bp) (local.get $ldb)))
        (br_if $eachP (local.tee $p (i32.sub (local.get $p) (i32.const 1)))))
      (if (local.get $full)
        (then
          (v128.store (local.get $c) (local.get $c00))
          (v128.store offset=16 (local.get $c) (local.get $c01))
          (v128.store (local.tee $cr (i32.add (local.get $c) (local.get $ldc))) (local.get $c10))
          (v128.store offset=16 (local.get $cr) (local.get $c11))
          (v128.store (local.tee $cr (i32.add (local.get $cr) (local.get $ldc))) (local.get $c20))
          (v128.store offset=16 (local.get $cr) (local.get $c21))
          (v128.store (local.tee $cr (i32.add (local.get $cr) (local.get $ldc))) (local.get $c30))
          (v128.store offset=16 (local.get $cr) (local.get $c31)))
        (else
          (call $storeRow (local.get $c) (local.get $c00) (local.get $c01) (local.get $n))
          (if (i32.gt_s (local.get $rows) (i32.const 1)) (then
            (call $storeRow (local.tee $cr (i32.add (local.get $c) (local.get $ldc))) (local.get $c10) (local.get $c11) (local.get $n))))
          (if (i32.gt_s (local.get $rows) (i32.const 2)) (then
            (call $storeRow (local.tee $cr (i32.add (local.get $cr) (local.get $ldc))) (local.get $c20) (local.get $c21) (local.get $n))))
          (if (i32.gt_s (local.get $rows) (i32.const 3)) (then
            (call $storeRow (i32.add (local.get $cr) (local.get $ldc)) (local.get $c30) (local.get $c31) (local.get $n))))))
      (local.set $c (i32.add (local.get $c) (i32.shl (local.get $ldc) (i32.const 2))))
      (br_if $eachBlock (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 4))) (local.get $M)))))

  ;; n (1..8) floats of a row: lanes of lo, then of hi.
  (func $storeRow (param $c i32) (param $lo v128) (param $hi v128) (param $n i32)
    (if (i32.eq (local.get $n) (i32.const 8)) (then
      (v128.store (local.get $c) (local.get $lo))
      (v128.store offset=16 (local.get $c) (local.get $hi))
      (return)))
    (call $storePart (local.get $c) (local.get $lo) (local.get $n))
    (call $storePart (i32.add (local.get $c) (i32.const 16)) (local.get $hi) (i32.sub (local.get $n) (i32.const 4))))

  ;; panel[p, 0..8) = B[p, j..j+n) and zeros, for p < P: the last, partial block's columns.
  (func $padColumns (param $b i32) (param $ldb i32) (param $P i32) (param $n i32) (param $panel i32)
    (block $done (loop $eachP
      (br_if $done (i32.eqz (local.get $P)))
      (v128.store (local.get $panel) (call $loadPart (local.get $b) (local.get $n)))
      (v128.store offset=16 (local.get $panel) (call $loadPart (i32.add (local.get $b) (i32.const 16)) (i32.sub (local.get $n) (i32.const 4))))
      (local.set $b (i32.add (local.get $b) (local.get $ldb)))
      (local.set $panel (i32.add (local.get $panel) (i32.const 32)))
      (local.set $P (i32.sub (local.get $P) (i32.const 1)))
      (br $eachP))))

  ;; C = A B (+ bias when hasBias), as described above. M, N >= 1; P >= 0 (0: C is the bias, or 0).
  ;; chunk > 0: P is taken `chunk` rows of B at a time, every block of C passing each chunk before
  ;; the next, and resuming from what C holds (the same sums, in the same order: the same bytes).
  ;; For x^T dy, where P is the batch's rows and A's rows lie side by side in x: a block's pass
  ;; over all of P streamed a cache line of x and one of dy per p from L2 (about 1.7x the time of
  ;; the forward product); a chunk of both stays in L1 while every block passes it.
  (func (export "linear") (param $a i32) (param $ai i32) (param $ap i32) (param $b i32)
                          (param $bias i32) (param $hasBias i32) (param $c i32)
                          (param $M i32) (param $N i32) (param $P i32) (param $panel i32) (param $chunk i32)
    (local $p0 i32)
    (if (i32.or (i32.le_s (local.get $chunk) (i32.const 0)) (i32.ge_s (local.get $chunk) (local.get $P))) (then
      (call $linearPass (local.get $a) (local.get $ai) (local.get $ap) (local.get $b) (local.get $bias) (local.get $hasBias)
                        (local.get $c) (local.get $M) (local.get $N) (local.get $P) (local.get $panel) (i32.const 0))
      (return)))
    (loop $eachChunk
      (call $linearPass (i32.add (local.get $a) (i32.mul (local.get $p0) (local.get $ap))) (local.get $ai) (local.get $ap)
                        (i32.add (local.get $b) (i32.shl (i32.mul (local.get $p0) (local.get $N)) (i32.const 2)))
                        (local.get $bias) (local.get $hasBias) (local.get $c) (local.get $M) (local.get $N)
                        (select (local.get $chunk) (i32.sub (local.get $P) (local.get $p0)) (i32.le_s (i32.add (local.get $p0) (local.get $chunk)) (local.get $P)))
                        (local.get $panel) (local.get $p0))
      (br_if $eachChunk (i32.lt_s (local.tee $p0 (i32.add (local.get $p0) (local.get $chunk))) (local.get $P)))))

  ;; One pass of C = A B (+ bias) over P rows of B, or, `resume` non-zero, C += A B.
  ;; Blocks go column-panel by column-panel: a panel of B (P x 8 floats) stays in cache while
  ;; every row block of A passes it.
  (func $linearPass (param $a i32) (param $ai i32) (param $ap i32) (param $b i32)
                    (param $bias i32) (param $hasBias i32) (param $c i32)
                    (param $M i32) (param $N i32) (param $P i32) (param $panel i32) (param $resume i32)
    (local $j i32) (local $i i32) (local $n i32)
    (local $ldb i32) (local $ldc i32) (local $bp i32) (local $row i32)
    (local $init0 v128) (local $init1 v128)
    (local.set $ldc (i32.shl (local.get $N) (i32.const 2)))
    (loop $eachPanel
      (local.set $n (select (i32.const 8) (i32.sub (local.get $N) (local.get $j)) (i32.ge_s (i32.sub (local.get $N) (local.get $j)) (i32.const 8))))
      (local.set $init0 (v128.const f32x4 0 0 0 0))
      (local.set $init1 (v128.const f32x4 0 0 0 0))
      (if (local.get $hasBias) (then
        (local.set $init0 (call $loadPart (i32.add (local.get $bias) (i32.shl (local.get $j) (i32.const 2))) (local.get $n)))
        (local.set $init1 (call $loadPart (i32.add (local.get $bias) (i32.shl (i32.add (local.get $j) (i32.const 4)) (i32.const 2)))
                                          (i32.sub (local.get $n) (i32.const 4))))))
      (local.set $bp (i32.add (local.get $b) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $ldb (local.get $ldc))
      (if (i32.lt_s (local.get $n) (i32.const 8)) (then
        (call $padColumns (local.get $bp) (local.get $ldb) (local.get $P) (local.get $n) (local.get $panel))
        (local.set $bp (local.get $panel))
        (local.set $ldb (i32.const 32))))
      (if (local.get $P)
        (then
          (call $gemmPanel (local.get $a) (local.get $ai) (local.get $ap) (local.get $bp) (local.get $ldb) (local.get $P)
                           (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))) (local.get $ldc) (local.get $M) (local.get $n)
                           (local.get $init0) (local.get $init1) (local.get $resume)))
        (else
          (local.set $row (i32.add (local.get $c) (i32.shl (local.get $j) (i32.const 2))))
          (local.set $i (i32.const 0))
          (loop $eachRow
            (call $storeRow (local.get $row) (local.get $init0) (local.get $init1) (local.get $n))
            (local.set $row (i32.add (local.get $row) (local.get $ldc)))
            (br_if $eachRow (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $M))))))
      (br_if $eachPanel (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 8))) (local.get $N)))))

  (func $minRow (param $r i32) (param $last i32) (result i32)
    (select (local.get $r) (local.get $last) (i32.lt_s (local.get $r) (local.get $last))))

  ;; dst [cols, rows] = src [rows, cols]^T (W^T for dy W^T). rows, cols >= 1.
  (func (export "transpose") (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32)
    (local $r i32) (local $k i32) (local $out i32)
    (loop $eachRow
      (local.set $out (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2))))
      (local.set $k (i32.const 0))
      (loop $eachCol
        (f32.store (local.get $out) (f32.load (local.get $src)))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $out (i32.add (local.get $out) (i32.shl (local.get $rows) (i32.const 2))))
        (br_if $eachCol (i32.lt_s (local.tee $k (i32.add (local.get $k) (i32.const 1))) (local.get $cols))))
      (br_if $eachRow (i32.lt_s (local.tee $r (i32.add (local.get $r) (i32.const 1))) (local.get $rows)))))

  ;; dst [A, J, I, L] = src [A, I, J, L] with its middle axes swapped: a Transpose whose last axis
  ;; stays last, its axes merged (src/engine/wasmTranspose.ts; a batch's patchify is one). Each run
  ;; of L floats is copied a quad at a time, then float by float. A, I, J, L >= 1.
  (func (export "swapMiddle") (param $src i32) (param $dst i32) (param $A i32) (param $I i32) (param $J i32) (param $L i32)
    (local $a i32) (local $i i32) (local $j i32) (local $from i32) (local $k i32) (local $run i32) (local $quads i32)
    (local.set $run (i32.shl (local.get $L) (i32.const 2)))
    (local.set $quads (i32.and (local.get $L) (i32.const -4)))
    (loop $eachA
      (local.set $j (i32.const 0))
      (loop $eachJ
        (local.set $i (i32.const 0))
        (loop $eachI
          (local.set $from (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $a) (local.get $I)) (local.get $i)) (local.get $J)) (local.get $j)) (local.get $run))))
          (local.set $k (i32.const 0))
          (block $quadsDone (loop $eachQuad
            (br_if $quadsDone (i32.ge_s (local.get $k) (local.get $quads)))
            (v128.store (local.get $dst) (v128.load (local.get $from)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
            (local.set $from (i32.add (local.get $from) (i32.const 16)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $eachQuad)))
          (block $floatsDone (loop $eachFloat
            (br_if $floatsDone (i32.ge_s (local.get $k) (local.get $L)))
            (i32.store (local.get $dst) (i32.load (local.get $from)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
            (local.set $from (i32.add (local.get $from) (i32.const 4)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $eachFloat)))
          (br_if $eachI (i32.lt_s (local.tee $i (i32.add (local.get $i) (i32.const 1))) (local.get $I))))
        (br_if $eachJ (i32.lt_s (local.tee $j (i32.add (local.get $j) (i32.const 1))) (local.get $J))))
      (br_if $eachA (i32.lt_s (local.tee $a (i32.add (local.get $a) (i32.const 1))) (local.get $A)))))

