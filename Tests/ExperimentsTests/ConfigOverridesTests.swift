import Envs
import Foundation
import Testing

@testable import Experiments

private struct PPOLike: Codable, Equatable {
  struct Network: Codable, Equatable {
    var hidden: [Int] = [256, 128]
    var activation = "relu"
  }
  var learningRate = 5e-4
  var network = Network()
  var seedOffset: Int? = nil
}

@Test func overridesMergeNestedFieldsAndKeepTheRest() throws {
  let override: JSONValue = ["learningRate": 1e-3, "network": ["hidden": [64]], "seedOffset": 7]
  let config = try ConfigOverrides.apply(override, to: PPOLike(), source: "c.json")
  #expect(config.learningRate == 1e-3)
  #expect(config.network == PPOLike.Network(hidden: [64], activation: "relu"))
  #expect(config.seedOffset == 7)  // an optional whose default is nil can be set
}

@Test func overridesRejectTyposAndWrongTypesNamingTheField() {
  #expect {
    _ = try ConfigOverrides.apply(
      ["network": ["activaton": "tanh"]] as JSONValue, to: PPOLike(), source: "c.json")
  } throws: { error in
    "\(error)" == "cannot read c.json: unknown field 'network.activaton' (not part of the config)"
  }
  #expect {
    _ = try ConfigOverrides.apply(["learningRate": "fast"] as JSONValue, to: PPOLike(), source: "c")
  } throws: { error in
    "\(error)".hasPrefix("cannot read c: field 'learningRate':")
  }
}

@Test func configFlagLoadsTheFileOrFailsClearly() throws {
  let folder = try makeTemporaryDirectory()
  let file = folder.appendingPathComponent("override.json")
  try Data(#"{"learningRate": 0.01}"#.utf8).write(to: file)
  let options = try CommonOptions.parse(["--config", file.path])
  #expect(try options.config(defaults: PPOLike()).learningRate == 0.01)
  #expect(try CommonOptions.parse([]).config(defaults: PPOLike()) == PPOLike())
  try Data("{not json".utf8).write(to: file)
  #expect {
    _ = try options.config(defaults: PPOLike())
  } throws: { error in
    "\(error)".hasPrefix("cannot read \(file.path): not valid JSON")
  }
}

@Test func figureConfigsEmbeddingTheEdgeCloudConfigTakePartialOverrides() throws {
  let defaults = Fig7Config.standard(quick: true)
  let override: JSONValue = ["training": ["environment": ["topology": ["clusterCount": 2]]]]
  var expected = defaults
  expected.training.environment.topology.clusterCount = 2
  #expect(try ConfigOverrides.apply(override, to: defaults, source: "f.json") == expected)
  #expect {
    _ = try ConfigOverrides.apply(
      ["training": ["environment": ["topology": ["clusterCnt": 2]]]] as JSONValue, to: defaults,
      source: "f.json")
  } throws: { error in
    "\(error)" == "cannot read f.json: unknown field 'training.environment.topology.clusterCnt' "
      + "(not part of the config)"
  }
  let stage: JSONValue = [
    "episodes": 1, "episodeSlots": 40, "loadFraction": 0.5, "profile": "steady", "episods": 2,
  ]
  #expect {
    _ = try ConfigOverrides.apply(
      ["training": ["curriculum": [stage]]] as JSONValue, to: defaults, source: "f.json")
  } throws: { error in
    "\(error)".contains("unknown field 'training.curriculum[0].episods'")
  }
}
