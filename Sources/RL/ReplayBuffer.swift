import SeededRandom

/// Fixed-capacity off-policy storage (a ring buffer) of transitions with continuous action
/// vectors, sampled uniformly with replacement (Stable-Baselines3's `ReplayBuffer`, which
/// CleanRL's DDPG uses).
///
/// Rows are flat: transition `i` has its observation at `[i * observationDim ..< (i + 1) *
/// observationDim]`, its action at `[i * actionDim ..< (i + 1) * actionDim]`. Once full, each
/// `add` overwrites the oldest transition.
public struct ReplayBuffer: Sendable {
  /// A uniformly drawn minibatch of transitions, rows flat as in the buffer.
  public struct Sample: Sendable, Equatable {
    /// Observations `[count * observationDim]`.
    public var observations: [Float]
    /// Actions taken `[count * actionDim]`.
    public var actions: [Float]
    /// Rewards `[count]`.
    public var rewards: [Float]
    /// Observations the transitions led to `[count * observationDim]` (the final observation
    /// of an episode that ended, not the reset one).
    public var nextObservations: [Float]
    /// Whether the next state is terminal (no bootstrap) `[count]`; truncation is not stored.
    public var terminated: [Bool]

    /// Creates a sample from flat rows.
    public init(
      observations: [Float], actions: [Float], rewards: [Float], nextObservations: [Float],
      terminated: [Bool]
    ) {
      self.observations = observations
      self.actions = actions
      self.rewards = rewards
      self.nextObservations = nextObservations
      self.terminated = terminated
    }

    /// Transitions in the sample.
    public var count: Int { rewards.count }
  }

  /// Transitions kept at most.
  public let capacity: Int
  /// Floats per observation.
  public let observationDim: Int
  /// Floats per action.
  public let actionDim: Int
  /// Observations `[capacity * observationDim]`.
  public private(set) var observations: [Float]
  /// Actions `[capacity * actionDim]`.
  public private(set) var actions: [Float]
  /// Rewards `[capacity]`.
  public private(set) var rewards: [Float]
  /// Next observations `[capacity * observationDim]`.
  public private(set) var nextObservations: [Float]
  /// Termination flags `[capacity]`.
  public private(set) var terminated: [Bool]
  /// Transitions stored (at most `capacity`).
  public private(set) var count = 0
  /// The slot the next `add` writes.
  public private(set) var position = 0

  /// An empty buffer; every size must be positive.
  public init(capacity: Int, observationDim: Int, actionDim: Int) throws {
    for (name, value) in [
      ("capacity", capacity), ("observationDim", observationDim), ("actionDim", actionDim),
    ] where value < 1 {
      throw RLInputError(component: "ReplayBuffer.init", field: name, reason: "must be ≥ 1")
    }
    self.capacity = capacity
    self.observationDim = observationDim
    self.actionDim = actionDim
    observations = Array(repeating: 0, count: capacity * observationDim)
    actions = Array(repeating: 0, count: capacity * actionDim)
    rewards = Array(repeating: 0, count: capacity)
    nextObservations = Array(repeating: 0, count: capacity * observationDim)
    terminated = Array(repeating: false, count: capacity)
  }

  /// Stores one transition, overwriting the oldest once the buffer is full.
  ///
  /// - Parameters:
  ///   - observation: `[observationDim]`.
  ///   - action: `[actionDim]`.
  ///   - nextObservation: `[observationDim]`, the observation the action led to (the final
  ///     observation when the episode ended).
  ///   - terminated: the next state is terminal (false on truncation: bootstrap).
  /// - Throws: `RLInputError` when a length is wrong.
  public mutating func add(
    observation: [Float], action: [Float], reward: Float, nextObservation: [Float],
    terminated isTerminal: Bool
  ) throws {
    for (name, got, want) in [
      ("observation", observation.count, observationDim), ("action", action.count, actionDim),
      ("nextObservation", nextObservation.count, observationDim),
    ] where got != want {
      throw RLInputError(
        component: "ReplayBuffer.add", field: name, reason: "has \(got) floats, expected \(want)")
    }
    let i = position
    observations.replaceSubrange(
      (i * observationDim)..<((i + 1) * observationDim), with: observation)
    actions.replaceSubrange((i * actionDim)..<((i + 1) * actionDim), with: action)
    nextObservations.replaceSubrange(
      (i * observationDim)..<((i + 1) * observationDim), with: nextObservation)
    rewards[i] = reward
    terminated[i] = isTerminal
    position = (position + 1) % capacity
    count = Swift.min(count + 1, capacity)
  }

  /// `batchSize` transitions drawn uniformly with replacement from the stored ones.
  ///
  /// - Precondition: the buffer is not empty and `batchSize ≥ 1`.
  public func sample(batchSize: Int, using rng: inout Xoshiro256) -> Sample {
    precondition(count > 0 && batchSize >= 1, "ReplayBuffer.sample: \(count) stored, \(batchSize)")
    let indices = (0..<batchSize).map { _ in Int.random(in: 0..<count, using: &rng) }
    return gather(indices)
  }

  /// The transitions at stored slots `indices` (each in `0..<count`), in that order.
  public func gather(_ indices: [Int]) -> Sample {
    precondition(
      indices.allSatisfy { $0 >= 0 && $0 < count }, "ReplayBuffer.gather: index out of range")
    return Sample(
      observations: Self.rows(observations, width: observationDim, indices),
      actions: Self.rows(actions, width: actionDim, indices),
      rewards: indices.map { rewards[$0] },
      nextObservations: Self.rows(nextObservations, width: observationDim, indices),
      terminated: indices.map { terminated[$0] })
  }

  private static func rows(_ source: [Float], width: Int, _ indices: [Int]) -> [Float] {
    var out = [Float]()
    out.reserveCapacity(indices.count * width)
    source.withUnsafeBufferPointer { src in
      for i in indices { out.append(contentsOf: src[(i * width)..<((i + 1) * width)]) }
    }
    return out
  }
}
