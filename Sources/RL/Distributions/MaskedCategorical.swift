import SeededRandom
import TensorModule

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// How invalid actions are removed from a categorical policy.
public enum MaskMode: String, Codable, Sendable, CaseIterable {
  /// Standard logit masking: invalid logits are replaced (by `select`, never by multiplication)
  /// with a large negative number before the softmax, so they get probability 0.
  case logits
  /// The paper's policy context filter (Eq. 2) on positive scores `p` (a ReLU + 1 head):
  /// `π = p ⊙ F / ‖p ⊙ F‖₁`.
  case contextFilter
}

/// A batch of categorical distributions over `actionCount` actions with optional action masks.
///
/// Built either from logits (`MaskMode.logits`) or from positive scores (`MaskMode.contextFilter`,
/// paper Eq. 2). Both are differentiable through TensorModule ops when the input tracks
/// gradients, and masked actions get probability exactly 0, contribute nothing to the entropy,
/// and receive zero gradient. Inputs without gradient build no graph.
public struct MaskedCategorical: Sendable {
  /// The value a masked logit is replaced with: far below any real logit, yet finite so that
  /// `logSoftmax` and `0 · logit` stay free of NaNs.
  public static let maskedLogit: Float = -1e9

  /// Rows in the batch.
  public let batchSize: Int
  /// Actions per row.
  public let actionCount: Int
  /// The action mask, row-major `[batchSize * actionCount]`; nil when every action is valid.
  public let mask: [Bool]?
  /// Log-probabilities `[batchSize, actionCount]`; masked entries hold a huge negative number
  /// (never use them: `probabilities` and `logProbability(of:)` handle masks).
  public let logProbabilities: Tensor

  /// A masked softmax over `logits`.
  ///
  /// - Parameters:
  ///   - logits: `[batch, actions]`.
  ///   - mask: `[batch * actions]`, row-major, true = valid; nil = all valid.
  /// - Precondition: every row has at least one valid action.
  public init(logits: Tensor, mask: [Bool]? = nil) {
    let (batch, actions) = Self.checkShape(logits, mask: mask, caller: "init(logits:mask:)")
    batchSize = batch
    actionCount = actions
    self.mask = mask
    guard let mask else {
      logProbabilities = logits.logSoftmax(alongAxis: -1)
      return
    }
    let masked = Tensor.select(condition: mask, logits, Tensor(Self.maskedLogit))
    logProbabilities = masked.logSoftmax(alongAxis: -1)
  }

  /// The paper's policy context filter (Eq. 2): `π = p ⊙ F / ‖p ⊙ F‖₁`.
  ///
  /// - Parameters:
  ///   - scores: positive scores `[batch, actions]` (an actor with a ReLU + 1 head).
  ///   - mask: `[batch * actions]`, row-major, true = valid (the context `F`); nil = all valid.
  /// - Precondition: every row has at least one valid action, and valid scores are positive.
  public init(scores: Tensor, mask: [Bool]? = nil) {
    let (batch, actions) = Self.checkShape(scores, mask: mask, caller: "init(scores:mask:)")
    let validMask = mask ?? [Bool](repeating: true, count: batch * actions)
    scores.scalars.withUnsafeBufferPointer { sp in
      for i in 0..<(batch * actions) where validMask[i] {
        precondition(
          sp[i] > 0 && sp[i].isFinite,
          "MaskedCategorical(scores:): valid score \(sp[i]) at row \(i / actions), action "
            + "\(i % actions) is not positive and finite; the context filter needs a positive "
            + "head such as ReLU + 1")
      }
    }
    batchSize = batch
    actionCount = actions
    self.mask = mask
    // Masked scores are replaced by `select` (not multiplied) so they receive no gradient, and
    // by 1 inside the log so that log never sees 0.
    let filtered = Tensor.select(condition: validMask, scores, Tensor(0))
    let total = filtered.sum(alongAxes: [1], keepingDims: true)
    let safe = Tensor.select(condition: validMask, scores, Tensor(1))
    let logFiltered = safe.log() - total.log()
    logProbabilities = Tensor.select(condition: validMask, logFiltered, Tensor(Self.maskedLogit))
  }

  /// Builds the distribution for `mode` from an actor's raw outputs (logits or scores).
  ///
  /// - Parameter outputs: `[batch, actions]`.
  public init(_ mode: MaskMode, outputs: Tensor, mask: [Bool]? = nil) {
    switch mode {
    case .logits: self.init(logits: outputs, mask: mask)
    case .contextFilter: self.init(scores: outputs, mask: mask)
    }
  }

  /// The distribution for `mode` with one mask row per batch row.
  ///
  /// - Parameters:
  ///   - outputs: logits or positive scores `[batch, actions]`.
  ///   - mask: `[batch][actions]`, true = valid.
  /// - Throws: `RLInputError` naming both shapes when `mask` is not `[batch][actions]`, or the
  ///   row when a row masks every action.
  public init(_ mode: MaskMode, outputs: Tensor, mask: [[Bool]]) throws {
    let flat = try Self.flatten(mask: mask, outputs: outputs, caller: "init(_:outputs:mask:)")
    self.init(mode, outputs: outputs, mask: flat)
  }

  /// The distribution for `mode` with a `[batch, actions]` tensor mask (1 = valid, 0 = masked).
  ///
  /// - Throws: `RLInputError` naming both shapes when the mask's shape is not the outputs', an
  ///   entry that is neither 0 nor 1, or a row that masks every action.
  public init(_ mode: MaskMode, outputs: Tensor, mask: Tensor) throws {
    let flat = try Self.flatten(mask: mask, outputs: outputs, caller: "init(_:outputs:mask:)")
    self.init(mode, outputs: outputs, mask: flat)
  }

  /// A masked softmax over `logits` `[batch, actions]` with one mask row per batch row
  /// (`mask[row][action]`, true = valid).
  ///
  /// - Throws: `RLInputError` naming both shapes on a mismatch, or the row that masks every
  ///   action.
  public init(logits: Tensor, mask: [[Bool]]) throws {
    let flat = try Self.flatten(mask: mask, outputs: logits, caller: "init(logits:mask:)")
    self.init(logits: logits, mask: flat)
  }

  /// A masked softmax over `logits` `[batch, actions]` with a `[batch, actions]` tensor mask
  /// (1 = valid, 0 = masked).
  ///
  /// - Throws: `RLInputError` naming both shapes on a mismatch, an entry that is neither 0 nor 1,
  ///   or the row that masks every action.
  public init(logits: Tensor, mask: Tensor) throws {
    let flat = try Self.flatten(mask: mask, outputs: logits, caller: "init(logits:mask:)")
    self.init(logits: logits, mask: flat)
  }

  /// The context filter (Eq. 2) on positive `scores` `[batch, actions]` with one mask row per
  /// batch row (`mask[row][action]`, true = valid).
  ///
  /// - Throws: `RLInputError` naming both shapes on a mismatch, or the row that masks every
  ///   action.
  public init(scores: Tensor, mask: [[Bool]]) throws {
    let flat = try Self.flatten(mask: mask, outputs: scores, caller: "init(scores:mask:)")
    self.init(scores: scores, mask: flat)
  }

  /// The context filter (Eq. 2) on positive `scores` `[batch, actions]` with a
  /// `[batch, actions]` tensor mask (1 = valid, 0 = masked).
  ///
  /// - Throws: `RLInputError` naming both shapes on a mismatch, an entry that is neither 0 nor 1,
  ///   or the row that masks every action.
  public init(scores: Tensor, mask: Tensor) throws {
    let flat = try Self.flatten(mask: mask, outputs: scores, caller: "init(scores:mask:)")
    self.init(scores: scores, mask: flat)
  }

  /// Checks a flat row-major mask against outputs `[batch, actions]`: the same number of
  /// entries and at least one valid action per row. The throwing counterpart of the
  /// preconditions of `init(logits:mask:)` for masks that come from outside (an environment).
  ///
  /// - Throws: `RLInputError` from `component`, naming `field` and both shapes or the row.
  public static func validate(
    mask: [Bool], outputsShape shape: [Int], component: String, field: String = "mask"
  ) throws {
    guard shape.count == 2, shape[1] > 0 else {
      throw RLInputError(
        component: component, field: "outputs",
        reason: "has shape \(shape), expected [batch, actions] with actions ≥ 1")
    }
    let (batch, actions) = (shape[0], shape[1])
    guard mask.count == batch * actions else {
      throw RLInputError(
        component: component, field: field,
        reason: "has \(mask.count) entries, outputs of shape \(shape) need \(batch * actions)")
    }
    for row in 0..<batch where !mask[(row * actions)..<((row + 1) * actions)].contains(true) {
      throw RLInputError(
        component: component, field: field, reason: "row \(row) masks every action")
    }
  }

  /// `mask` flattened row-major after checking it is `[batch][actions]` for `outputs`.
  private static func flatten(mask: [[Bool]], outputs: Tensor, caller: String) throws -> [Bool] {
    let component = "MaskedCategorical.\(caller)"
    let lengths = Set(mask.map(\.count))
    let maskShape =
      lengths.count <= 1
      ? "[\(mask.count), \(lengths.first ?? 0)]"
      : "ragged (\(mask.count) rows of \(mask.map(\.count)) entries)"
    guard outputs.rank == 2, mask.count == outputs.shape[0],
      lengths.count <= 1, (lengths.first ?? outputs.shape.last) == outputs.shape.last
    else {
      throw RLInputError(
        component: component, field: "mask",
        reason: "has shape \(maskShape), outputs have shape \(outputs.shape)")
    }
    let flat = Array(mask.joined())
    try validate(mask: flat, outputsShape: outputs.shape, component: component)
    return flat
  }

  /// A 0/1 tensor `mask` flattened to Bools after checking it has `outputs`' shape.
  private static func flatten(mask: Tensor, outputs: Tensor, caller: String) throws -> [Bool] {
    let component = "MaskedCategorical.\(caller)"
    guard mask.shape == outputs.shape, outputs.rank == 2 else {
      throw RLInputError(
        component: component, field: "mask",
        reason: "has shape \(mask.shape), outputs have shape \(outputs.shape) (both must be "
          + "[batch, actions])")
    }
    let values = mask.scalars
    if let bad = values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
      throw RLInputError(
        component: component, field: "mask",
        reason: "entry [\(bad / mask.shape[1]), \(bad % mask.shape[1])] is \(values[bad]); a "
          + "tensor mask holds 1 (valid) or 0 (masked)")
    }
    let flat = values.map { $0 == 1 }
    try validate(mask: flat, outputsShape: outputs.shape, component: component)
    return flat
  }

  /// Probabilities `[batch, actions]`, exactly 0 for masked actions.
  public var probabilities: Tensor {
    let p = logProbabilities.exp()
    guard let mask else { return p }
    return Tensor.select(condition: mask, p, Tensor(0))
  }

  /// `log π(a_i | row i)` for one action per row.
  ///
  /// - Parameter actions: `[batch]`, each in `0..<actionCount` and valid in its row.
  /// - Returns: `[batch]`.
  public func logProbability(of actions: [Int]) -> Tensor {
    precondition(
      actions.count == batchSize,
      "MaskedCategorical.logProbability: \(actions.count) actions for \(batchSize) rows")
    var oneHot = [Float](repeating: 0, count: batchSize * actionCount)
    for (row, action) in actions.enumerated() {
      precondition(
        action >= 0 && action < actionCount,
        "MaskedCategorical.logProbability: action \(action) of row \(row) not in 0..<\(actionCount)"
      )
      precondition(
        mask?[row * actionCount + action] ?? true,
        "MaskedCategorical.logProbability: action \(action) of row \(row) is masked")
      oneHot[row * actionCount + action] = 1
    }
    let selector = Tensor(shape: [batchSize, actionCount], scalars: oneHot)
    return (logProbabilities * selector).sum(alongAxes: [1])
  }

  /// Entropy `−Σ π log π` per row over the valid actions only, `[batch]`.
  public func entropy() -> Tensor {
    let terms = logProbabilities.exp() * logProbabilities
    guard let mask else { return -terms.sum(alongAxes: [1]) }
    return -Tensor.select(condition: mask, terms, Tensor(0)).sum(alongAxes: [1])
  }

  /// One sampled action per row (inverse CDF with one uniform draw per row); never a masked or
  /// zero-probability action.
  public func sample(using rng: inout Xoshiro256) -> [Int] {
    let p = probabilities.scalars
    return p.withUnsafeBufferPointer { pp in
      (0..<batchSize).map { row in
        let rowPointer = UnsafeBufferPointer(
          rebasing: pp[(row * actionCount)..<((row + 1) * actionCount)])
        return Self.sample(probabilities: rowPointer, using: &rng)
      }
    }
  }

  /// The most probable valid action per row (lowest index on ties).
  public func mode() -> [Int] {
    let lp = logProbabilities.scalars
    return (0..<batchSize).map { row in
      var best = -1
      var bestValue = -Float.infinity
      for a in 0..<actionCount where mask?[row * actionCount + a] ?? true {
        let v = lp[row * actionCount + a]
        if best < 0 || v > bestValue {
          best = a
          bestValue = v
        }
      }
      return best
    }
  }

  private static func checkShape(_ x: Tensor, mask: [Bool]?, caller: String) -> (Int, Int) {
    precondition(
      x.rank == 2 && x.shape[1] > 0,
      "MaskedCategorical.\(caller): expected [batch, actions] with actions ≥ 1, got \(x.shape)")
    let (batch, actions) = (x.shape[0], x.shape[1])
    if let mask {
      precondition(
        mask.count == batch * actions,
        "MaskedCategorical.\(caller): mask has \(mask.count) entries, outputs of shape "
          + "\(x.shape) need \(batch * actions)")
      for row in 0..<batch {
        var anyValid = false
        for a in 0..<actions where mask[row * actions + a] {
          anyValid = true
          break
        }
        precondition(
          anyValid, "MaskedCategorical.\(caller): every action of row \(row) is masked")
      }
    }
    return (batch, actions)
  }
}

// MARK: - Graph-free batch-1 inference

extension MaskedCategorical {
  /// Writes the probabilities of one row into `probabilities` without building any tensor:
  /// the fast path for batch-1 decisions.
  ///
  /// - Parameters:
  ///   - outputs: the actor's outputs for one row (`[actions]`): logits or positive scores.
  ///   - mask: `[actions]`, true = valid; nil = all valid.
  ///   - mode: how outputs become probabilities.
  ///   - probabilities: `[actions]`, overwritten; masked entries become exactly 0.
  /// - Precondition: at least one valid action (and positive valid scores for `.contextFilter`).
  public static func fillProbabilities(
    outputs: UnsafeBufferPointer<Float>, mask: UnsafeBufferPointer<Bool>?, mode: MaskMode,
    into probabilities: UnsafeMutableBufferPointer<Float>
  ) {
    let n = outputs.count
    precondition(
      probabilities.count == n && (mask?.count ?? n) == n,
      "MaskedCategorical.fillProbabilities: outputs \(n), mask \(mask?.count ?? n), "
        + "probabilities \(probabilities.count) must agree")
    switch mode {
    case .logits:
      var maximum = -Float.infinity
      for a in 0..<n where mask?[a] ?? true { maximum = Swift.max(maximum, outputs[a]) }
      precondition(
        maximum > -Float.infinity, "MaskedCategorical.fillProbabilities: every action is masked")
      var total: Float = 0
      for a in 0..<n {
        let e: Float = (mask?[a] ?? true) ? expf(outputs[a] - maximum) : 0
        probabilities[a] = e
        total += e
      }
      let inverse = 1 / total
      for a in 0..<n { probabilities[a] *= inverse }
    case .contextFilter:
      var total: Float = 0
      for a in 0..<n {
        let valid = mask?[a] ?? true
        precondition(
          !valid || outputs[a] > 0,
          "MaskedCategorical.fillProbabilities: valid score \(outputs[a]) of action \(a) is not "
            + "positive")
        let s: Float = valid ? outputs[a] : 0
        probabilities[a] = s
        total += s
      }
      precondition(total > 0, "MaskedCategorical.fillProbabilities: every action is masked")
      let inverse = 1 / total
      for a in 0..<n { probabilities[a] *= inverse }
    }
  }

  /// Samples an index from one row of probabilities by inverse CDF (one uniform draw); entries
  /// with probability 0 are never returned.
  ///
  /// - Parameter probabilities: `[actions]`, non-negative, summing to about 1.
  public static func sample(
    probabilities: UnsafeBufferPointer<Float>, using rng: inout Xoshiro256
  ) -> Int {
    let u = Float(rng.nextDouble())
    var cumulative: Float = 0
    var lastPositive = -1
    for a in probabilities.indices where probabilities[a] > 0 {
      cumulative += probabilities[a]
      lastPositive = a
      if u < cumulative { return a }
    }
    precondition(lastPositive >= 0, "MaskedCategorical.sample: no action has positive probability")
    return lastPositive  // rounding left u above the final cumulative sum
  }
}
