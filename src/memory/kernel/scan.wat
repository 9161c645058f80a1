;; Exact-scan kernels for InMemoryVectorBackend: one pass over `n` contiguous
;; rows of `dim` float32 values, writing one float32 per row to `out`.
;; SIMD with four independent accumulators so the loop is bound by memory, not
;; by the latency of dependent adds. Sums differ from a sequential loop only by
;; float32 rounding.
(module
  (import "env" "memory" (memory 1 65536))

  ;; out[i] = dot(q, rows[i])
  (func (export "dotScan") (param $q i32) (param $rows i32) (param $n i32) (param $dim i32) (param $out i32)
    (local $i i32) (local $j i32) (local $p i32) (local $s f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $end16
          (loop $by16
            (br_if $end16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $dim)))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
              (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
              (v128.load offset=32 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=32 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
              (v128.load offset=48 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=48 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $by16)))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                                  (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
          (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (block $endTail
          (loop $tail
            (br_if $endTail (i32.ge_u (local.get $j) (local.get $dim)))
            (local.set $s (f32.add (local.get $s) (f32.mul
              (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (f32.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2)))))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row))))

  ;; out[i] = squared euclidean distance between q and rows[i]
  (func (export "l2sqScan") (param $q i32) (param $rows i32) (param $n i32) (param $dim i32) (param $out i32)
    (local $i i32) (local $j i32) (local $p i32) (local $s f32) (local $t f32)
    (local $d v128) (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $p (local.get $rows))
    (block $done
      (loop $row
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $end16
          (loop $by16
            (br_if $end16 (i32.gt_u (i32.add (local.get $j) (i32.const 16)) (local.get $dim)))
            (local.set $d (f32x4.sub
              (v128.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub
              (v128.load offset=16 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub
              (v128.load offset=32 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=32 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $d (f32x4.sub
              (v128.load offset=48 (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (v128.load offset=48 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $by16)))
        (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1))
                                  (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $s (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
          (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
        (block $endTail
          (loop $tail
            (br_if $endTail (i32.ge_u (local.get $j) (local.get $dim)))
            (local.set $t (f32.sub
              (f32.load (i32.add (local.get $p) (i32.shl (local.get $j) (i32.const 2))))
              (f32.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 2))))))
            (local.set $s (f32.add (local.get $s) (f32.mul (local.get $t) (local.get $t))))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $tail)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $s))
        (local.set $p (i32.add (local.get $p) (i32.shl (local.get $dim) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $row))))
)
