// OpenBLAS's CBLAS interface plus LAPACKE (QR for orthogonal initialization).
#include <cblas.h>
#include <lapacke.h>
