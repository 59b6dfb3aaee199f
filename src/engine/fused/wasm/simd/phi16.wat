;; 2 Phi(x) = 1 + erf(x / sqrt 2) of four quads at once, included into a kernel's body
;; (kernels.wat), whose locals it uses: for each stream # of a, b, c, d, $x# (the argument), $phz#,
;; $phz2#, $php#, $phq# and $phi#, the result. erf as the rational function of Eigen's and XLA's
;; float32 erf: z clamped to [-4, 4] (beyond, erf is +-1 in float32, and the fit gives exactly
;; +-1 at +-4), odd degree-13 numerator over even degree-8 denominator in z; absolute error 4e-7,
;; measured against a float64 erf. No exp, unlike the erfc form the WebGPU kernel evaluates: the
;; forward pass costs two short polynomials (their Horner steps f32x4.madd) and one division.
;; The clamp is pmax/pmin, as in exp16.wat.
;; @each a b c d
(local.set $phz# (f32x4.pmin (f32x4.pmax (f32x4.mul (local.get $x#) (v128.const f32x4 0.70710678 0.70710678 0.70710678 0.70710678)) (v128.const f32x4 -4 -4 -4 -4)) (v128.const f32x4 4 4 4 4)))
(local.set $phz2# (f32x4.mul (local.get $phz#) (local.get $phz#)))
(local.set $php# (v128.const f32x4 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10 -2.72614225801306e-10))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 2.77068142495902e-08 2.77068142495902e-08 2.77068142495902e-08 2.77068142495902e-08)))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 -2.10102402082508e-06 -2.10102402082508e-06 -2.10102402082508e-06 -2.10102402082508e-06)))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 -5.69250639462346e-05 -5.69250639462346e-05 -5.69250639462346e-05 -5.69250639462346e-05)))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 -7.34990630326855e-04 -7.34990630326855e-04 -7.34990630326855e-04 -7.34990630326855e-04)))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 -2.95459980854025e-03 -2.95459980854025e-03 -2.95459980854025e-03 -2.95459980854025e-03)))
(local.set $php# (f32x4.madd (local.get $php#) (local.get $phz2#) (v128.const f32x4 -1.60960333262415e-02 -1.60960333262415e-02 -1.60960333262415e-02 -1.60960333262415e-02)))
(local.set $phq# (v128.const f32x4 -1.45660718464996e-05 -1.45660718464996e-05 -1.45660718464996e-05 -1.45660718464996e-05))
(local.set $phq# (f32x4.madd (local.get $phq#) (local.get $phz2#) (v128.const f32x4 -2.13374055278905e-04 -2.13374055278905e-04 -2.13374055278905e-04 -2.13374055278905e-04)))
(local.set $phq# (f32x4.madd (local.get $phq#) (local.get $phz2#) (v128.const f32x4 -1.68282697438203e-03 -1.68282697438203e-03 -1.68282697438203e-03 -1.68282697438203e-03)))
(local.set $phq# (f32x4.madd (local.get $phq#) (local.get $phz2#) (v128.const f32x4 -7.37332916720468e-03 -7.37332916720468e-03 -7.37332916720468e-03 -7.37332916720468e-03)))
(local.set $phq# (f32x4.madd (local.get $phq#) (local.get $phz2#) (v128.const f32x4 -1.42647390514189e-02 -1.42647390514189e-02 -1.42647390514189e-02 -1.42647390514189e-02)))
(local.set $phi# (f32x4.add (v128.const f32x4 1 1 1 1) (f32x4.div (f32x4.mul (local.get $php#) (local.get $phz#)) (local.get $phq#))))
;; @end
