import CBLAS

/// Process-wide heap settings for tensor workloads (opt-in: a library should not change the
/// allocator behind its host's back).
///
/// Training allocates and frees many mid-sized buffers per step (a `[800, 256]` activation is
/// 800 KB). glibc serves blocks above its mmap threshold (128 KB at start) with fresh `mmap`
/// calls, so every such tensor costs a system call and a page fault per 4 KB page, then a
/// `munmap`. Raising the mmap and trim thresholds keeps those blocks in the heap for reuse.
/// Measured on the benchmark `ppo_epoch_3200x175` (1 thread): median 87–116 ms before,
/// 53–62 ms after.
public enum Allocator {
  /// Raises glibc's mmap threshold to 32 MB (its maximum), its trim threshold to 1 GB and its
  /// top pad to 64 MB. Call once at process start. Returns false where not supported (non-glibc
  /// platforms), leaving the allocator unchanged.
  @discardableResult
  public static func tuneForTensors() -> Bool {
    #if os(Linux)
      let mmapThreshold: Int32 = 32 << 20
      let trimThreshold: Int32 = 1 << 30
      let topPad: Int32 = 64 << 20
      return mallopt(M_MMAP_THRESHOLD, mmapThreshold) == 1
        && mallopt(M_TRIM_THRESHOLD, trimThreshold) == 1
        && mallopt(M_TOP_PAD, topPad) == 1
    #else
      return false
    #endif
  }
}
