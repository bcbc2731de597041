import Foundation
import Testing

@testable import Envs

/// A config shaped like the real ones: nested objects, arrays of objects, optionals, and a
/// non-finite default.
private struct Sample: Codable, Equatable {
  struct Network: Codable, Equatable {
    var hidden: [Int] = [64, 32]
    var activation = "relu"
  }
  struct Stage: Codable, Equatable {
    var episodes = 1
    var load = 0.5
  }
  var learningRate = 1e-3
  var network = Network()
  var stages: [Stage] = [Stage(), Stage(episodes: 2, load: 1)]
  var seedOffset: Int? = nil
  var cap: Double? = 4
  var limit = Double.infinity
}

private func decode(_ json: String) throws(PartialDecodingError) -> Sample {
  try PartialDecoding.decode(json: Data(json.utf8), over: Sample())
}

/// The error decoding `json` throws, if any.
private func failure(_ json: String) -> PartialDecodingError? {
  do {
    _ = try decode(json)
    return nil
  } catch {
    return error
  }
}

@Suite struct PartialDecodingTests {
  @Test func mergeJoinsObjectsKeyByKeyAndReplacesEverythingElse() {
    let base: JSONValue = ["a": 1, "b": ["x": 1, "y": [1, 2]], "c": "s"]
    let override: JSONValue = ["b": ["y": [3], "z": true], "c": ["new": 1], "d": nil]
    let merged = PartialDecoding.merge(base, with: override)
    #expect(merged == ["a": 1, "b": ["x": 1, "y": [3], "z": true], "c": ["new": 1], "d": nil])
    #expect(PartialDecoding.merge(base, with: [1, 2]) == [1, 2])
    #expect(PartialDecoding.merge(base, with: [:]) == base)
  }

  @Test func firstUnknownKeyNamesTheDottedPathInSortedOrder() {
    let result: JSONValue = [
      "a": 1, "b": ["x": 1], "list": [["k": 1], ["k": 2]], "numbers": [1, 2],
    ]
    func unknown(_ override: JSONValue) -> String? {
      PartialDecoding.firstUnknownKey(in: override, comparedTo: result)
    }
    #expect(unknown(["a": 2, "b": ["x": 3]]) == nil)
    #expect(unknown(["zz": 1, "aa": 1]) == "aa")
    #expect(unknown(["b": ["x": 1, "y": 2]]) == "b.y")
    #expect(unknown(["list": [["k": 1], ["k": 1, "typo": 2]]]) == "list[1].typo")
    #expect(unknown(["numbers": [5]]) == nil)
  }

  @Test func keyPathJoinsKeysWithDotsAndIndicesWithBrackets() {
    struct Key: CodingKey {
      var stringValue: String
      var intValue: Int?
      init(stringValue: String) { self.stringValue = stringValue }
      init(intValue: Int) {
        stringValue = "Index \(intValue)"
        self.intValue = intValue
      }
    }
    let path: [any CodingKey] = [
      Key(stringValue: "services"), Key(stringValue: "placement"), Key(intValue: 2),
      Key(intValue: 0),
    ]
    #expect(PartialDecoding.keyPath(path) == "services.placement[2][0]")
    #expect(PartialDecoding.keyPath([]) == "")
  }

  @Test func absentFieldsKeepTheirDefaults() throws {
    #expect(try decode("{}") == Sample())
    let sample = try decode(
      #"{"network": {"activation": "tanh"}, "stages": [{"episodes": 7, "load": 2}]}"#)
    var expected = Sample()
    expected.network.activation = "tanh"
    expected.stages = [.init(episodes: 7, load: 2)]
    #expect(sample == expected)
    #expect(sample.limit == .infinity)  // a non-finite default survives the JSON round trip
  }

  @Test func optionalsTakeAValueAndKeepANonNilDefault() throws {
    #expect(try decode(#"{"seedOffset": 3}"#).seedOffset == 3)
    #expect(try decode(#"{"cap": 8}"#).cap == 8)
    #expect(try decode(#"{"learningRate": 0.5}"#).cap == 4)
    // `null` decodes as nil, which synthesized Codable does not encode: reported, not dropped.
    #expect(failure(#"{"seedOffset": null}"#) == .unknownField(path: "seedOffset"))
  }

  @Test func unknownKeysAreRejectedWithTheirPath() {
    #expect(failure(#"{"lerningRate": 1}"#) == .unknownField(path: "lerningRate"))
    #expect(
      failure(#"{"network": {"activaton": "tanh"}}"#)
        == .unknownField(path: "network.activaton"))
    let inArray = failure(#"{"stages": [{"episodes": 1, "load": 1, "lod": 2}]}"#)
    #expect(inArray == .unknownField(path: "stages[0].lod"))
    #expect(
      inArray?.description == "unknown field 'stages[0].lod' (not part of the config)")
  }

  @Test func wrongValuesNameTheFieldPath() {
    let mismatch = failure(#"{"learningRate": "fast"}"#)
    #expect(mismatch?.field == "learningRate")
    #expect(mismatch?.description.hasPrefix("field 'learningRate': ") == true)
    #expect(
      failure(#"{"network": {"hidden": [1, "x"]}}"#)?.field == "network.hidden[1]")
    // A fraction for an Int: Foundation gives no path on Linux, the leaf search finds it.
    #expect(failure(#"{"network": {"hidden": [1.5]}}"#)?.field == "network.hidden")
    #expect(failure(#"{"stages": [], "seedOffset": 2.5}"#)?.field == "seedOffset")
    #expect(failure(#"{"learningRate": null}"#)?.field == "learningRate")
    // An array replaces the default whole, so a partial element misses fields.
    let missing = failure(#"{"stages": [{"episodes": 3}]}"#)
    #expect(missing?.field == "stages[0].load")
  }

  @Test func documentsThatAreNotJSONObjectsAreRejected() {
    let notJSON = failure("{ not json")
    #expect(notJSON?.field == nil)
    #expect(notJSON?.description.hasPrefix("not valid JSON") == true)
    #expect(failure("[1, 2]") == .notAnObject)
    #expect(PartialDecodingError.notAnObject.description == "expected a JSON object at the top")
  }
}
