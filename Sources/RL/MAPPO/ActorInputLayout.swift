/// How the shared actor reads an observation.
///
/// `.flat`: one MLP over the whole observation, one output per action (the paper's actor).
///
/// `.perTarget`: the observation is a shared part (the request) followed by the same features
/// for each of `targets` actions (the dispatch targets). One small MLP scores every action
/// from the shared part, that action's features and (optionally) a one-hot of the action, and
/// the scores are the policy's outputs. The weights are shared across actions, as in Decima's
/// per-node scoring: a rule learned for one target (e.g. "a short queue of idle replicas
/// finishes sooner") holds for all of them, instead of being learned once per input slot of a
/// flat MLP. The one-hot lets the scorer still learn what is particular to one target.
public enum ActorInputLayout: Codable, Sendable, Equatable {
  case flat
  case perTarget(sharedFeatures: Int, targetFeatures: Int, targets: Int, targetOneHot: Bool)

  /// Floats in one observation.
  public var observationSize: Int? {
    switch self {
    case .flat: nil
    case .perTarget(let shared, let features, let targets, _): shared + targets * features
    }
  }

  /// Rows the actor MLP sees per observation, and the width of one row, for observations of
  /// `observationDim` floats.
  public func rowShape(observationDim: Int) -> (rows: Int, width: Int) {
    switch self {
    case .flat: (1, observationDim)
    case .perTarget(let shared, let features, let targets, let oneHot):
      (targets, shared + features + (oneHot ? targets : 0))
    }
  }

  /// Writes the actor rows of one observation (`rowShape(observationDim:)` rows × width) into
  /// `out`.
  public func writeRows(
    observation: UnsafeBufferPointer<Float>, into out: UnsafeMutablePointer<Float>
  ) {
    switch self {
    case .flat:
      if let base = observation.baseAddress { out.update(from: base, count: observation.count) }
    case .perTarget(let shared, let features, let targets, let oneHot):
      let width = shared + features + (oneHot ? targets : 0)
      let obs = observation.baseAddress!
      for a in 0..<targets {
        let row = out + a * width
        row.update(from: obs, count: shared)
        (row + shared).update(from: obs + shared + a * features, count: features)
        if oneHot {
          let hot = row + shared + features
          for b in 0..<targets { hot[b] = b == a ? 1 : 0 }
        }
      }
    }
  }

  /// Checks the layout against the observation size and the action count.
  func validate(observationDim: Int, actionCount: Int) throws {
    guard case .perTarget(let shared, let features, let targets, _) = self else { return }
    guard shared >= 0, features >= 1, targets >= 1 else {
      throw RLInputError(
        component: "MAPPO", field: "actorLayout", reason: "needs features ≥ 1 and targets ≥ 1")
    }
    guard targets == actionCount else {
      throw RLInputError(
        component: "MAPPO", field: "actorLayout",
        reason: "\(targets) targets but \(actionCount) actions")
    }
    guard shared + targets * features == observationDim else {
      throw RLInputError(
        component: "MAPPO", field: "actorLayout",
        reason: "shared \(shared) + \(targets) × \(features) target features ≠ observation "
          + "size \(observationDim)")
    }
  }
}
