// OpenBLAS's CBLAS interface plus LAPACKE (QR for orthogonal initialization), and glibc's
// malloc.h for `mallopt` (Allocator.tuneForTensors), which Swift's Glibc module leaves out.
#include <cblas.h>
#include <lapacke.h>
#if defined(__GLIBC__) || defined(__linux__)
#include <malloc.h>
#endif
