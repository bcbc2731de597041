import SeededRandom
import TensorModule

/// `[m, k] · [k, n]` through `TensorModule.matmul` on detached tensors (`sgemv` when `m == 1`,
/// `sgemm` otherwise). Names read `sgemv_1x175x256` / `sgemm_3200x175x256` (m × k × n).
public struct MatmulWorkload: Sendable {
  /// The shapes benchmarked: the MAPPO layers at batch 1 and at the PPO batch / minibatch.
  public static let shapes: [(m: Int, k: Int, n: Int)] = [
    (1, 175, 256), (1, 256, 128), (1, 128, 32),
    (800, 175, 256), (3200, 175, 256), (3200, 256, 128),
  ]

  /// `sgemv_MxKxN` or `sgemm_MxKxN`.
  public let name: String
  /// `[m, k]`.
  public let a: Tensor
  /// `[k, n]`.
  public let b: Tensor

  /// Random operands of the given shape from `seed`.
  public init(m: Int, k: Int, n: Int, seed: UInt64 = 17) {
    var rng = Xoshiro256(seed: seed)
    name = "\(m == 1 ? "sgemv" : "sgemm")_\(m)x\(k)x\(n)"
    a = .uniform(shape: [m, k], low: -1, high: 1, rng: &rng)
    b = .uniform(shape: [k, n], low: -1, high: 1, rng: &rng)
  }

  /// One product.
  public func run() -> Tensor { matmul(a, b) }
}
