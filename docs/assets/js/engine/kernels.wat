;; The engine's hot loops in WebAssembly with 128-bit SIMD: four float32 numbers per instruction.
;; transformer.js's linearPlain() is the lesson; these compute the same sums, faster.
;; Assembled by the build step (llmsite/site/engine.py) with wabt's wat2wasm.
;;
;; Memory is the page's (imported); kernels.js lays it out and passes byte addresses.
;; At address 0 lies a table of all 65,536 float16 bit patterns as float32 (256 kB), so that a
;; float16 scale becomes a float32 with one load.
;;
;;   deq_q4_1(src, dst, nblocks)  Q4_1 blocks (f16 d, f16 m, 16 bytes of 4-bit q) -> float32, w = d*q + m
;;   deq_q8_0(src, dst, nblocks)  Q8_0 blocks (f16 d, 32 signed bytes q)          -> float32, w = d*q
;;   gemm(x, T, K, w, R, y, ldy)  y[t*ldy + r] = sum_k x[t*K + k] * w[r*K + k]
;;                                 for t < T (T even), r < R (R a multiple of 4), K a multiple of 8
;;   lse(y, V, R, maxes, sums)    for each of V rows of R logits: the running maximum and the
;;                                 running sum of exp(logit - maximum) (an online softmax)
(module
  (import "env" "memory" (memory 1))

  ;; float16 bits at address p -> float32, through the table at address 0
  (func $f16 (param $p i32) (result f32)
    (f32.load (i32.shl (i32.load16_u (local.get $p)) (i32.const 2))))

  (func (export "deq_q4_1") (param $src i32) (param $dst i32) (param $n i32)
    (local $d v128) (local $m v128) (local $q v128) (local $lo v128) (local $hi v128) (local $h v128)
    (block $done
      (loop $block
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $d (f32x4.splat (call $f16 (local.get $src))))
        (local.set $m (f32x4.splat (call $f16 (i32.add (local.get $src) (i32.const 2)))))
        (local.set $q (v128.load (i32.add (local.get $src) (i32.const 4))))
        ;; numbers 0-15 are the low four bits of the 16 bytes, numbers 16-31 the high four bits
        (local.set $lo (v128.and (local.get $q) (i8x16.splat (i32.const 15))))
        (local.set $hi (i8x16.shr_u (local.get $q) (i32.const 4)))
        ;; lo: bytes -> 16-bit -> 32-bit -> float32, times d plus m
        (local.set $h (i16x8.extend_low_i8x16_u (local.get $lo)))
        (v128.store offset=0 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))) (local.get $m)))
        (v128.store offset=16 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))) (local.get $m)))
        (local.set $h (i16x8.extend_high_i8x16_u (local.get $lo)))
        (v128.store offset=32 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))) (local.get $m)))
        (v128.store offset=48 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))) (local.get $m)))
        (local.set $h (i16x8.extend_low_i8x16_u (local.get $hi)))
        (v128.store offset=64 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))) (local.get $m)))
        (v128.store offset=80 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))) (local.get $m)))
        (local.set $h (i16x8.extend_high_i8x16_u (local.get $hi)))
        (v128.store offset=96 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_low_i16x8_u (local.get $h)))) (local.get $m)))
        (v128.store offset=112 (local.get $dst) (f32x4.add (f32x4.mul (local.get $d) (f32x4.convert_i32x4_u (i32x4.extend_high_i16x8_u (local.get $h)))) (local.get $m)))
        (local.set $src (i32.add (local.get $src) (i32.const 20)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $block))))

  (func (export "deq_q8_0") (param $src i32) (param $dst i32) (param $n i32)
    (local $d v128) (local $q v128) (local $h v128)
    (block $done
      (loop $block
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $d (f32x4.splat (call $f16 (local.get $src))))
        (local.set $q (v128.load offset=2 (local.get $src)))
        (local.set $h (i16x8.extend_low_i8x16_s (local.get $q)))
        (v128.store offset=0 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h)))))
        (v128.store offset=16 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h)))))
        (local.set $h (i16x8.extend_high_i8x16_s (local.get $q)))
        (v128.store offset=32 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h)))))
        (v128.store offset=48 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h)))))
        (local.set $q (v128.load offset=18 (local.get $src)))
        (local.set $h (i16x8.extend_low_i8x16_s (local.get $q)))
        (v128.store offset=64 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h)))))
        (v128.store offset=80 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h)))))
        (local.set $h (i16x8.extend_high_i8x16_s (local.get $q)))
        (v128.store offset=96 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $h)))))
        (v128.store offset=112 (local.get $dst) (f32x4.mul (local.get $d) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $h)))))
        (local.set $src (i32.add (local.get $src) (i32.const 34)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 128)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $block))))

  ;; the four lanes of a vector added up
  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Two tokens (x rows t, t+1) times four weight rows (r .. r+3) at a time: eight running
  ;; sums of four lanes each, so every x and w vector loaded is used four or two times.
  (func (export "gemm") (param $x i32) (param $T i32) (param $K i32) (param $w i32) (param $R i32) (param $y i32) (param $ldy i32)
    (local $t i32) (local $r i32) (local $k i32) (local $kb i32)
    (local $x0 i32) (local $x1 i32) (local $p0 i32) (local $p1 i32) (local $q0 i32) (local $q1 i32) (local $q2 i32) (local $q3 i32) (local $end i32) (local $w0 i32) (local $w1 i32) (local $w2 i32) (local $w3 i32) (local $yo i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $u v128) (local $v v128) (local $q v128)
    (local.set $kb (i32.shl (local.get $K) (i32.const 2))) ;; bytes per row
    (local.set $t (i32.const 0))
    (block $tdone
      (loop $tloop
        (br_if $tdone (i32.ge_u (local.get $t) (local.get $T)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $t) (local.get $kb))))
        (local.set $x1 (i32.add (local.get $x0) (local.get $kb)))
        (local.set $r (i32.const 0))
        (block $rdone
          (loop $rloop
            (br_if $rdone (i32.ge_u (local.get $r) (local.get $R)))
            (local.set $w0 (i32.add (local.get $w) (i32.mul (local.get $r) (local.get $kb))))
            (local.set $w1 (i32.add (local.get $w0) (local.get $kb)))
            (local.set $w2 (i32.add (local.get $w1) (local.get $kb)))
            (local.set $w3 (i32.add (local.get $w2) (local.get $kb)))
            (local.set $a0 (v128.const i32x4 0 0 0 0)) (local.set $a1 (v128.const i32x4 0 0 0 0))
            (local.set $a2 (v128.const i32x4 0 0 0 0)) (local.set $a3 (v128.const i32x4 0 0 0 0))
            (local.set $b0 (v128.const i32x4 0 0 0 0)) (local.set $b1 (v128.const i32x4 0 0 0 0))
            (local.set $b2 (v128.const i32x4 0 0 0 0)) (local.set $b3 (v128.const i32x4 0 0 0 0))
            ;; walk the eight rows together, eight numbers (two vectors) per step
            (local.set $p0 (local.get $x0)) (local.set $p1 (local.get $x1))
            (local.set $q0 (local.get $w0)) (local.set $q1 (local.get $w1))
            (local.set $q2 (local.get $w2)) (local.set $q3 (local.get $w3))
            (local.set $end (i32.add (local.get $x0) (local.get $kb)))
            (block $kdone
              (loop $kloop
                (br_if $kdone (i32.ge_u (local.get $p0) (local.get $end)))
                (local.set $u (v128.load (local.get $p0)))
                (local.set $v (v128.load (local.get $p1)))
                (local.set $q (v128.load (local.get $q0)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load (local.get $q1)))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load (local.get $q2)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load (local.get $q3)))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $u (v128.load offset=16 (local.get $p0)))
                (local.set $v (v128.load offset=16 (local.get $p1)))
                (local.set $q (v128.load offset=16 (local.get $q0)))
                (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load offset=16 (local.get $q1)))
                (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load offset=16 (local.get $q2)))
                (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $q (v128.load offset=16 (local.get $q3)))
                (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $u) (local.get $q))))
                (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $v) (local.get $q))))
                (local.set $p0 (i32.add (local.get $p0) (i32.const 32)))
                (local.set $p1 (i32.add (local.get $p1) (i32.const 32)))
                (local.set $q0 (i32.add (local.get $q0) (i32.const 32)))
                (local.set $q1 (i32.add (local.get $q1) (i32.const 32)))
                (local.set $q2 (i32.add (local.get $q2) (i32.const 32)))
                (local.set $q3 (i32.add (local.get $q3) (i32.const 32)))
                (br $kloop)))
            ;; y[t][r..r+3] and y[t+1][r..r+3]
            (local.set $yo (i32.add (local.get $y) (i32.shl (i32.add (i32.mul (local.get $t) (local.get $ldy)) (local.get $r)) (i32.const 2))))
            (f32.store offset=0 (local.get $yo) (call $hsum (local.get $a0)))
            (f32.store offset=4 (local.get $yo) (call $hsum (local.get $a1)))
            (f32.store offset=8 (local.get $yo) (call $hsum (local.get $a2)))
            (f32.store offset=12 (local.get $yo) (call $hsum (local.get $a3)))
            (local.set $yo (i32.add (local.get $yo) (i32.shl (local.get $ldy) (i32.const 2))))
            (f32.store offset=0 (local.get $yo) (call $hsum (local.get $b0)))
            (f32.store offset=4 (local.get $yo) (call $hsum (local.get $b1)))
            (f32.store offset=8 (local.get $yo) (call $hsum (local.get $b2)))
            (f32.store offset=12 (local.get $yo) (call $hsum (local.get $b3)))
            (local.set $r (i32.add (local.get $r) (i32.const 4)))
            (br $rloop)))
        (local.set $t (i32.add (local.get $t) (i32.const 2)))
        (br $tloop))))

  ;; exp(x) for four x <= 0 (Cephes' expf: x = n ln2 + r, exp(r) by a polynomial, 2^n by
  ;; building the float's exponent bits); relative error about 1e-7; below -87 it gives ~0
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (f32x4.splat (f32.const -87.0))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $p (f32x4.splat (f32.const 1.9875691500E-4)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.3981999507E-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 8.3334519073E-3))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 4.1665795894E-2))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 1.6666665459E-1))))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (f32x4.splat (f32.const 5.0000001201E-1))))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r))
                             (f32x4.splat (f32.const 1.0))))
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  (func (export "lse") (param $y i32) (param $V i32) (param $R i32) (param $maxes i32) (param $sums i32)
    (local $v i32) (local $p i32) (local $end i32) (local $mv v128) (local $m f32) (local $old f32) (local $acc v128)
    (local.set $v (i32.const 0))
    (block $vdone
      (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $v) (local.get $V)))
        (local.set $p (i32.add (local.get $y) (i32.shl (i32.mul (local.get $v) (local.get $R)) (i32.const 2))))
        (local.set $end (i32.add (local.get $p) (i32.shl (local.get $R) (i32.const 2))))
        ;; this tile's maximum
        (local.set $mv (f32x4.splat (f32.const -inf)))
        (block $d1 (loop $l1
          (br_if $d1 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $mv (f32x4.max (local.get $mv) (v128.load (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $l1)))
        (local.set $m (f32.max (f32.max (f32x4.extract_lane 0 (local.get $mv)) (f32x4.extract_lane 1 (local.get $mv)))
                               (f32.max (f32x4.extract_lane 2 (local.get $mv)) (f32x4.extract_lane 3 (local.get $mv)))))
        ;; a new maximum: rescale the sum so far
        (local.set $old (f32.load (i32.add (local.get $maxes) (i32.shl (local.get $v) (i32.const 2)))))
        (if (f32.gt (local.get $m) (local.get $old))
          (then
            (f32.store (i32.add (local.get $sums) (i32.shl (local.get $v) (i32.const 2)))
              (f32.mul (f32.load (i32.add (local.get $sums) (i32.shl (local.get $v) (i32.const 2))))
                       (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.sub (local.get $old) (local.get $m)))))))
            (f32.store (i32.add (local.get $maxes) (i32.shl (local.get $v) (i32.const 2))) (local.get $m))
            (local.set $old (local.get $m))))
        ;; add exp(logit - maximum)
        (local.set $mv (f32x4.splat (local.get $old)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $p (i32.sub (local.get $end) (i32.shl (local.get $R) (i32.const 2))))
        (block $d2 (loop $l2
          (br_if $d2 (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $acc (f32x4.add (local.get $acc) (call $exp4 (f32x4.sub (v128.load (local.get $p)) (local.get $mv)))))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (br $l2)))
        (f32.store (i32.add (local.get $sums) (i32.shl (local.get $v) (i32.const 2)))
          (f32.add (f32.load (i32.add (local.get $sums) (i32.shl (local.get $v) (i32.const 2)))) (call $hsum (local.get $acc))))
        (local.set $v (i32.add (local.get $v) (i32.const 1)))
        (br $vloop))))
)
