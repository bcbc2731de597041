// An AVX2 + FMA kernel for small row-major products, compiled for those instructions through
// function attributes and selected at run time, so the build needs no machine flags.
#include "CKernels.h"

#include <stdatomic.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define CK_AVX2 __attribute__((target("avx2,fma")))

// One tile: R rows × 16 columns (two registers per row), k steps of broadcast-a × b-row FMAs.
#define CK_TILE16(R)                                                                          \
  CK_AVX2 static inline void ck_tile16_##R(const float *a, int lda, const float *b, int ldb, \
                                           float *c, int ldc, int k, int acc) {              \
    __m256 lo[R], hi[R];                                                                     \
    for (int r = 0; r < R; r++) {                                                            \
      lo[r] = acc ? _mm256_loadu_ps(c + r * ldc) : _mm256_setzero_ps();                      \
      hi[r] = acc ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_setzero_ps();                  \
    }                                                                                        \
    for (int p = 0; p < k; p++) {                                                            \
      __m256 b0 = _mm256_loadu_ps(b + p * ldb), b1 = _mm256_loadu_ps(b + p * ldb + 8);      \
      for (int r = 0; r < R; r++) {                                                          \
        __m256 x = _mm256_broadcast_ss(a + r * lda + p);                                     \
        lo[r] = _mm256_fmadd_ps(x, b0, lo[r]);                                               \
        hi[r] = _mm256_fmadd_ps(x, b1, hi[r]);                                               \
      }                                                                                      \
    }                                                                                        \
    for (int r = 0; r < R; r++) {                                                            \
      _mm256_storeu_ps(c + r * ldc, lo[r]);                                                  \
      _mm256_storeu_ps(c + r * ldc + 8, hi[r]);                                              \
    }                                                                                        \
  }

// One tile: R rows × up to 8 columns; `mask` selects the `width` live lanes (all 8 when full).
#define CK_TILE8(R)                                                                           \
  CK_AVX2 static inline void ck_tile8_##R(const float *a, int lda, const float *b, int ldb,  \
                                          float *c, int ldc, int k, int acc, __m256i mask) { \
    __m256 v[R];                                                                             \
    for (int r = 0; r < R; r++)                                                              \
      v[r] = acc ? _mm256_maskload_ps(c + r * ldc, mask) : _mm256_setzero_ps();              \
    for (int p = 0; p < k; p++) {                                                            \
      __m256 b0 = _mm256_maskload_ps(b + p * ldb, mask);                                     \
      for (int r = 0; r < R; r++)                                                            \
        v[r] = _mm256_fmadd_ps(_mm256_broadcast_ss(a + r * lda + p), b0, v[r]);              \
    }                                                                                        \
    for (int r = 0; r < R; r++) _mm256_maskstore_ps(c + r * ldc, mask, v[r]);                \
  }

CK_TILE16(1) CK_TILE16(2) CK_TILE16(3) CK_TILE16(4) CK_TILE16(5) CK_TILE16(6)
CK_TILE8(1) CK_TILE8(2) CK_TILE8(3) CK_TILE8(4) CK_TILE8(5) CK_TILE8(6)

CK_AVX2 static void ck_rows(int rows, int n, int k, const float *a, int lda, const float *b,
                            int ldb, float *c, int ldc, int acc) {
  int j = 0;
  for (; j + 16 <= n; j += 16) {
    switch (rows) {
      case 6: ck_tile16_6(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
      case 5: ck_tile16_5(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
      case 4: ck_tile16_4(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
      case 3: ck_tile16_3(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
      case 2: ck_tile16_2(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
      default: ck_tile16_1(a, lda, b + j, ldb, c + j, ldc, k, acc); break;
    }
  }
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  for (; j < n; j += 8) {
    int width = n - j < 8 ? n - j : 8;
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(width), lanes);
    switch (rows) {
      case 6: ck_tile8_6(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
      case 5: ck_tile8_5(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
      case 4: ck_tile8_4(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
      case 3: ck_tile8_3(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
      case 2: ck_tile8_2(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
      default: ck_tile8_1(a, lda, b + j, ldb, c + j, ldc, k, acc, mask); break;
    }
  }
}

// One row-vector tile: W registers of 8 columns (W independent FMA chains hide the latency).
#define CK_VTILE(W)                                                                           \
  CK_AVX2 static inline void ck_vtile_##W(const float *x, const float *b, int ldb, float *y, \
                                          int k, int acc) {                                  \
    __m256 v[W];                                                                             \
    for (int c = 0; c < W; c++) v[c] = acc ? _mm256_loadu_ps(y + 8 * c) : _mm256_setzero_ps(); \
    for (int p = 0; p < k; p++) {                                                            \
      __m256 xp = _mm256_broadcast_ss(x + p);                                                \
      const float *row = b + (long)p * ldb;                                                  \
      for (int c = 0; c < W; c++) v[c] = _mm256_fmadd_ps(xp, _mm256_loadu_ps(row + 8 * c), v[c]); \
    }                                                                                        \
    for (int c = 0; c < W; c++) _mm256_storeu_ps(y + 8 * c, v[c]);                           \
  }

CK_VTILE(8) CK_VTILE(4) CK_VTILE(2) CK_VTILE(1)

CK_AVX2 static void ck_vector_matrix_avx2(int n, int k, const float *x, const float *b, int ldb,
                                          float *y, int acc) {
  int j = 0;
  for (; j + 64 <= n; j += 64) ck_vtile_8(x, b + j, ldb, y + j, k, acc);
  if (j + 32 <= n) { ck_vtile_4(x, b + j, ldb, y + j, k, acc); j += 32; }
  if (j + 16 <= n) { ck_vtile_2(x, b + j, ldb, y + j, k, acc); j += 16; }
  if (j + 8 <= n) { ck_vtile_1(x, b + j, ldb, y + j, k, acc); j += 8; }
  if (j < n) {
    __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n - j),
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 v = acc ? _mm256_maskload_ps(y + j, mask) : _mm256_setzero_ps();
    for (int p = 0; p < k; p++)
      v = _mm256_fmadd_ps(_mm256_broadcast_ss(x + p), _mm256_maskload_ps(b + (long)p * ldb + j, mask),
                          v);
    _mm256_maskstore_ps(y + j, mask, v);
  }
}

CK_AVX2 static void ck_small_gemm_avx2(int m, int n, int k, const float *a, int lda,
                                       const float *b, int ldb, float *c, int ldc, int acc) {
  for (int i = 0; i < m; i += 6) {
    int rows = m - i < 6 ? m - i : 6;
    ck_rows(rows, n, k, a + (long)i * lda, lda, b, ldb, c + (long)i * ldc, ldc, acc);
  }
}

int ck_small_gemm_available(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

// The CPU check, done once: -1 = not yet known; every thread that races here stores the same
// value.
static int ck_available_cached(void) {
  static _Atomic int available = -1;
  int known = atomic_load_explicit(&available, memory_order_relaxed);
  if (known < 0) {
    known = ck_small_gemm_available();
    atomic_store_explicit(&available, known, memory_order_relaxed);
  }
  return known;
}

int ck_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int accumulate) {
  if (!ck_available_cached()) return 0;
  ck_small_gemm_avx2(m, n, k, a, lda, b, ldb, c, ldc, accumulate);
  return 1;
}

int ck_vector_matrix(int n, int k, const float *x, const float *b, int ldb, float *y,
                     int accumulate) {
  if (!ck_available_cached()) return 0;
  ck_vector_matrix_avx2(n, k, x, b, ldb, y, accumulate);
  return 1;
}

#else

int ck_small_gemm_available(void) { return 0; }

int ck_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int accumulate) {
  (void)m; (void)n; (void)k; (void)a; (void)lda; (void)b; (void)ldb; (void)c; (void)ldc;
  (void)accumulate;
  return 0;
}

int ck_vector_matrix(int n, int k, const float *x, const float *b, int ldb, float *y,
                     int accumulate) {
  (void)n; (void)k; (void)x; (void)b; (void)ldb; (void)y; (void)accumulate;
  return 0;
}

#endif
