// Small dense kernels that OpenBLAS handles poorly: products of a few dozen rows, where its
// packing of both operands costs as much as the multiplication itself (GNN and actor layers at
// inference time). TensorModule calls these first and falls back to BLAS when they decline.
#ifndef CKERNELS_H
#define CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when this CPU runs the AVX2 + FMA small-matrix kernel, 0 otherwise (any other CPU or
/// architecture: callers use BLAS).
int ck_small_gemm_available(void);

/// `c[m, n] = a[m, k] · b[k, n]` (or `c += a · b` when `accumulate` is nonzero), row-major with
/// leading dimensions `lda`, `ldb`, `ldc`, no packing: each output tile of up to 6 rows × 16
/// columns stays in registers while `k` runs. Returns 1 when done, 0 (nothing written) when the
/// kernel is unavailable on this CPU.
int ck_small_gemm(int m, int n, int k, const float *a, int lda, const float *b, int ldb, float *c,
                  int ldc, int accumulate);

/// `y[n] = x[k] · b[k, n]` (or `y += x · b` when `accumulate` is nonzero), `b` row-major with
/// leading dimension `ldb`: the batch-1 layer. Up to 8 independent accumulator registers run
/// along `k`, so the loop is bound by reading `b`, not by FMA latency; single-threaded, unlike
/// OpenBLAS's `sgemv`, which wakes a second thread at these sizes when it has one and then
/// takes 3× longer. Returns 1 when done, 0 (nothing written) when unavailable on this CPU.
int ck_vector_matrix(int n, int k, const float *x, const float *b, int ldb, float *y,
                     int accumulate);

#ifdef __cplusplus
}
#endif

#endif
