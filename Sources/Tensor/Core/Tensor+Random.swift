import SeededRandom

extension Tensor {
  /// Independent uniform samples in `[low, high)` from `rng`.
  public static func uniform(
    shape: [Int], low: Float = 0, high: Float = 1, rng: inout Xoshiro256
  ) -> Tensor {
    let count = elementCount(shape)
    let width = high - low
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count { values[i] = low + width * rng.nextFloat() }
    return Tensor(shape: shape, scalars: values)
  }

  /// Independent normal samples with the given mean and standard deviation from `rng`.
  public static func normal(
    shape: [Int], mean: Float = 0, std: Float = 1, rng: inout Xoshiro256
  ) -> Tensor {
    let count = elementCount(shape)
    var values = [Float](repeating: 0, count: count)
    for i in 0..<count { values[i] = mean + std * Float(rng.nextNormal()) }
    return Tensor(shape: shape, scalars: values)
  }
}
