import Foundation
import Testing

@testable import Envs

/// Every leaf of `tree` with its key path: objects are walked; numbers, strings, booleans and
/// arrays are leaves.
private func leafPaths(_ tree: JSONValue, under path: [String] = []) -> [[String]] {
  guard case .object(let members) = tree else { return [path] }
  return members.keys.sorted().flatMap { leafPaths(members[$0]!, under: path + [$0]) }
}

/// The value at `path` in `tree`.
private func value(in tree: JSONValue, at path: [String]) -> JSONValue? {
  path.reduce(tree as JSONValue?) { node, key in node?[key] }
}

/// `tree` with the value at `path` replaced by `value` (missing objects are created).
private func replacing(_ tree: JSONValue, at path: [String], with value: JSONValue) -> JSONValue {
  guard let key = path.first else { return value }
  var result = tree
  result[key] = replacing(tree[key] ?? [:], at: Array(path.dropFirst()), with: value)
  return result
}

/// Every raw value of the config's enums: a string leaf is changed to one of them.
private let enumCases = [
  "all", "ring", "none", "trace", "poisson", "steady", "ramp", "bursts", "continue", "restart",
  "randomOffset", "hybrid", "edf", "fifo", "distributed", "centralized", "agent", "hpa", "greedy",
  "taskType", "job", "resources",
]

/// Values different from `value` to try for a leaf, most plausible first: whole numbers + 1,
/// fractions × 2, booleans flipped, another enum case (or another string), arrays with their
/// first element changed (an empty array gains an element).
private func alternatives(to value: JSONValue) -> [JSONValue] {
  switch value {
  case .number(let x): return [.number(x.rounded() == x ? x + 1 : x * 2)]
  case .bool(let b): return [.bool(!b)]
  case .string(let s):
    return (enumCases + [s + "-changed"]).filter { $0 != s }.map(JSONValue.string)
  case .array(let elements):
    guard let first = elements.first else { return [[1], ["x"]] }
    return alternatives(to: first).map { .array([$0] + elements.dropFirst()) }
  case .null, .object: return []
  }
}

/// The error `EdgeCloudConfig.decode(json:)` throws for `json`, if any.
private func failure(_ json: String) -> EdgeCloudConfigError? {
  do {
    _ = try EdgeCloudConfig.decode(json: Data(json.utf8))
    return nil
  } catch {
    return error
  }
}

@Suite struct ConfigDecodingTests {
  /// A file that changes one leaf must change exactly that leaf: no field is silently
  /// dropped, whatever fields are added later (the leaves come from the encoded defaults).
  @Test func everyFieldRoundTripsThroughAFile() throws {
    let defaults = try JSONValue(encoding: EdgeCloudConfig())
    let paths = leafPaths(defaults)
    #expect(paths.contains(["topology", "clusterCount"]))
    #expect(paths.contains(["workload", "poissonServiceMix"]))
    #expect(paths.count > 50)
    for path in paths {
      let field = path.joined(separator: ".")
      var decodedOne = false
      for changed in alternatives(to: value(in: defaults, at: path)!) {
        let file = try JSONEncoder().encode(replacing([:], at: path, with: changed))
        // Decode only: the changed value need not pass validation.
        guard let config = try? EdgeCloudConfig.decodeFields(json: file, source: field) else {
          continue  // e.g. a string that is not a case of this field's enum
        }
        decodedOne = true
        let expected = replacing(defaults, at: path, with: changed)
        #expect(try JSONValue(encoding: config) == expected, "\(field) = \(changed) was lost")
        break
      }
      #expect(decodedOne, "no changed value of \(field) decodes; extend `alternatives`")
    }
  }

  /// `services.placement` is `nil` by default, so it is not among the encoded leaves above.
  @Test func anOptionalFieldWithANilDefaultCanBeSet() throws {
    let row = Array(repeating: 1, count: 24)  // 18 edge + 6 cloud nodes
    let placement = Array(repeating: row, count: 12)
    let json = try JSONEncoder().encode(["services": ["placement": placement]])
    let config = try EdgeCloudConfig.decode(json: json)
    #expect(config.services.placement == placement)
    #expect(try EdgeCloudConfig.decode(json: config.jsonData()) == config)
    #expect(try EdgeCloudConfig.decode(json: Data("{}".utf8)).services.placement == nil)
  }

  @Test func unknownKeysAreRejectedWithTheirPath() {
    let nested = failure(#"{"topology": {"clusterCnt": 4}}"#)
    #expect(nested?.field == "topology.clusterCnt")
    #expect(
      nested?.description
        == "invalid EdgeCloud config: topology.clusterCnt: unknown field (not part of the config)")
    #expect(failure(#"{"topolgy": {"clusterCount": 4}}"#)?.field == "topolgy")
    #expect(failure(#"{"timing": {"slotMs": 100}, "seed": 1}"#)?.field == "seed")
    // A file names the field too; only an unreadable or non-JSON file is named by its path.
    let path = NSTemporaryDirectory() + "edgecloud-unknown-field.json"
    try? Data(#"{"hpa": {"minReplica": 2}}"#.utf8).write(to: URL(fileURLWithPath: path))
    #expect(
      throws: EdgeCloudConfigError(
        field: "hpa.minReplica", reason: "unknown field (not part of the config)")
    ) {
      try EdgeCloudConfig.load(path: path)
    }
  }

  @Test func wrongTypesNameTheField() {
    #expect(failure(#"{"topology": {"clusterCount": "three"}}"#)?.field == "topology.clusterCount")
    #expect(failure(#"{"topology": {"clusterCount": 2.5}}"#)?.field == "topology.clusterCount")
    #expect(failure(#"{"dispatch": {"eapDequeue": "lifo"}}"#)?.field == "dispatch.eapDequeue")
    #expect(failure(#"{"dispatch": {"crossCluster": 1}}"#)?.field == "dispatch.crossCluster")
    #expect(
      failure(#"{"services": {"baseExecutionMs": [300, "x"]}}"#)?.field
        == "services.baseExecutionMs[1]")
    #expect(failure(#"{"workload": {"clusterShares": null}}"#)?.field == "workload.clusterShares")
    #expect(failure(#"{"workload": 600}"#)?.field == "workload")
    let notAnObject = failure("[1, 2]")
    #expect(
      notAnObject
        == EdgeCloudConfigError(field: "json", reason: "expected a JSON object at the top"))
  }

  @Test func decodedValuesAreStillValidated() {
    let invalid = failure(#"{"timing": {"slotMs": 0}}"#)
    #expect(invalid?.field == "timing.slotMs")
    #expect(invalid?.reason == "must be a positive finite number, got 0.0")
  }

  @Test func subConfigsValidateUnderTheirPath() {
    var hpa = HPAConfig()
    hpa.minReplicas = 0
    #expect(throws: EdgeCloudConfigError(field: "hpa.minReplicas", reason: "must be ≥ 1")) {
      try hpa.validate()
    }
    #expect(throws: EdgeCloudConfigError(field: "edge.hpa.minReplicas", reason: "must be ≥ 1")) {
      try hpa.validate(path: "edge.hpa")
    }
  }
}
