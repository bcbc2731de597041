import CBLAS
import SeededRandom

/// Placeholder until the Tensor issue lands.
public struct Tensor: Sendable {
  public var scalars: [Float]
  public var shape: [Int]
}
