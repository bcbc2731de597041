import Foundation
import SeededRandom
import TensorModule
import Testing

/// A fresh empty directory for one test.
func scratchDirectory(_ name: String) throws -> URL {
  let url = FileManager.default.temporaryDirectory
    .appendingPathComponent("tensor-tests-\(getpid())-\(name)")
  try? FileManager.default.removeItem(at: url)
  try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  return url
}

/// Runs `body`, expecting a `CheckpointError` whose path is `url` and whose reason contains
/// every fragment.
func expectCheckpointError(
  _ url: URL, _ fragments: [String], sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  do {
    try body()
    Issue.record("expected a CheckpointError", sourceLocation: sourceLocation)
  } catch let error as CheckpointError {
    #expect(error.path == url.path, sourceLocation: sourceLocation)
    #expect(error.description.contains(url.path), sourceLocation: sourceLocation)
    for fragment in fragments {
      #expect(
        error.reason.contains(fragment), "'\(error.reason)' lacks '\(fragment)'",
        sourceLocation: sourceLocation)
    }
  } catch {
    Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
  }
}

@Suite("Safetensors checkpoints")
struct CheckpointTests {
  @Test func modelRoundTripIsExact() throws {
    let dir = try scratchDirectory("roundtrip")
    let url = dir.appendingPathComponent("model.safetensors")
    var rng = Xoshiro256(seed: 1)
    let source = MLP(sizes: [6, 5, 3], outputActivation: .tanh, rng: &rng)
    try Checkpoint.save(source, to: url, metadata: ["step": "42", "algo": "mappo \"quoted\""])
    var target = MLP(sizes: [6, 5, 3], outputActivation: .tanh, rng: &rng)
    let idsBefore = target.namedParameters.map(\.tensor.parameterID)
    let metadata = try Checkpoint.load(into: &target, from: url)
    #expect(metadata == ["step": "42", "algo": "mappo \"quoted\""])
    for (a, b) in zip(source.namedParameters, target.namedParameters) {
      #expect(a.name == b.name)
      #expect(a.tensor.scalars == b.tensor.scalars)
      #expect(a.tensor.shape == b.tensor.shape)
    }
    #expect(target.namedParameters.map(\.tensor.parameterID) == idsBefore)
    let x = uniform([2, 6], -1, 1, seed: 9)
    #expect(source(x) == target(x))
    // Atomic write leaves no temporary files behind.
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    #expect(files == ["model.safetensors"])
  }

  @Test func layoutFollowsSafetensors() throws {
    let url = try scratchDirectory("layout").appendingPathComponent("t.safetensors")
    let special = Tensor([[1.5, -0, .infinity], [-2, 3e-38, 7]])
    try Checkpoint.save(
      [(name: "a", tensor: special), (name: "b", tensor: Tensor(4))], to: url)
    let bytes = [UInt8](try Data(contentsOf: url))
    let headerLength = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
    #expect(headerLength % 8 == 0)
    let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
    let json = try JSONSerialization.jsonObject(with: Data(header.utf8)) as! [String: Any]
    let a = json["a"] as! [String: Any]
    #expect(a["dtype"] as? String == "F32")
    #expect((a["shape"] as! [Any]).map { ($0 as! NSNumber).intValue } == [2, 3])
    #expect((a["data_offsets"] as! [Any]).map { ($0 as! NSNumber).intValue } == [0, 24])
    #expect(bytes.count == 8 + headerLength + 28)
    // Raw little-endian Float32: 1.5 = 0x3FC00000.
    #expect(Array(bytes[(8 + headerLength)..<(12 + headerLength)]) == [0, 0, 0xC0, 0x3F])
    let loaded = try Checkpoint.read(from: url)
    #expect(loaded.names == ["a", "b"])
    #expect(loaded.tensors["a"]!.scalars.map(\.bitPattern) == special.scalars.map(\.bitPattern))
    #expect(loaded.tensors["b"]!.shape == [])
    #expect(loaded.metadata.isEmpty)
  }

  @Test func overwritingReplacesTheFile() throws {
    let url = try scratchDirectory("overwrite").appendingPathComponent("c.safetensors")
    try Checkpoint.save([(name: "x", tensor: Tensor([1, 2, 3]))], to: url)
    try Checkpoint.save([(name: "x", tensor: Tensor([4]))], to: url)
    #expect(try Checkpoint.load(from: url)["x"]!.scalars == [4])
  }

  @Test func truncatedAndCorruptFilesFailClearly() throws {
    let dir = try scratchDirectory("corrupt")
    let url = dir.appendingPathComponent("good.safetensors")
    try Checkpoint.save([(name: "w", tensor: Tensor(ones: [4, 4]))], to: url)
    let good = try Data(contentsOf: url)

    let missing = dir.appendingPathComponent("nope.safetensors")
    expectCheckpointError(missing, ["cannot read"]) { _ = try Checkpoint.load(from: missing) }

    let tiny = dir.appendingPathComponent("tiny.safetensors")
    try Data([1, 2, 3]).write(to: tiny)
    expectCheckpointError(tiny, ["truncated", "3 bytes"]) { _ = try Checkpoint.load(from: tiny) }

    let cutData = dir.appendingPathComponent("cut-data.safetensors")
    try good.prefix(good.count - 10).write(to: cutData)
    expectCheckpointError(cutData, ["truncated", "'w'"]) { _ = try Checkpoint.load(from: cutData) }

    let cutHeader = dir.appendingPathComponent("cut-header.safetensors")
    try good.prefix(20).write(to: cutHeader)
    expectCheckpointError(cutHeader, ["truncated", "header"]) {
      _ = try Checkpoint.load(from: cutHeader)
    }

    let garbage = dir.appendingPathComponent("garbage.safetensors")
    var bad = good
    bad.replaceSubrange(8..<12, with: Array("{{{{".utf8))
    try bad.write(to: garbage)
    expectCheckpointError(garbage, ["corrupt header"]) { _ = try Checkpoint.load(from: garbage) }

    let hugeLength = dir.appendingPathComponent("huge.safetensors")
    var huge = good
    huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
    try huge.write(to: hugeLength)
    expectCheckpointError(hugeLength, ["corrupt", "header length"]) {
      _ = try Checkpoint.load(from: hugeLength)
    }

    let trailing = dir.appendingPathComponent("trailing.safetensors")
    try (good + Data([0, 0, 0, 0])).write(to: trailing)
    expectCheckpointError(trailing, ["4 unexpected bytes"]) {
      _ = try Checkpoint.load(from: trailing)
    }

    func withHeader(_ name: String, _ json: String, dataBytes: Int) throws -> URL {
      var header = Array(json.utf8)
      while header.count % 8 != 0 { header.append(0x20) }
      var data = Data()
      withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
      data.append(contentsOf: header)
      data.append(Data(count: dataBytes))
      let url = dir.appendingPathComponent(name)
      try data.write(to: url)
      return url
    }
    let f16 = try withHeader(
      "f16.safetensors", #"{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#,
      dataBytes: 4)
    expectCheckpointError(f16, ["'h'", "unsupported dtype 'F16'"]) {
      _ = try Checkpoint.load(from: f16)
    }
    let sizeMismatch = try withHeader(
      "size.safetensors", #"{"s":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
      dataBytes: 8)
    expectCheckpointError(sizeMismatch, ["'s'", "needs 12 bytes"]) {
      _ = try Checkpoint.load(from: sizeMismatch)
    }
    let overlap = try withHeader(
      "overlap.safetensors",
      #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
        + #""b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
      dataBytes: 12)
    expectCheckpointError(overlap, ["'b'", "overlapping"]) {
      _ = try Checkpoint.load(from: overlap)
    }
    let noOffsets = try withHeader(
      "fields.safetensors", #"{"q":{"dtype":"F32","shape":[1]}}"#, dataBytes: 4)
    expectCheckpointError(noOffsets, ["corrupt header", "data_offsets", "q"]) {
      _ = try Checkpoint.load(from: noOffsets)
    }
  }

  @Test func mismatchedModelsFailWithoutChanges() throws {
    let dir = try scratchDirectory("mismatch")
    let url = dir.appendingPathComponent("small.safetensors")
    var rng = Xoshiro256(seed: 2)
    try Checkpoint.save(MLP(sizes: [4, 3, 2], rng: &rng), to: url)

    var wider = MLP(sizes: [4, 5, 2], rng: &rng)
    let before = wider.namedParameters.map(\.tensor)
    expectCheckpointError(url, ["'0.weight'", "[4, 3] in the file but [4, 5] in the model"]) {
      try Checkpoint.load(into: &wider, from: url)
    }
    #expect(wider.namedParameters.map(\.tensor) == before)

    var deeper = MLP(sizes: [4, 3, 2, 2], rng: &rng)
    expectCheckpointError(url, ["missing tensor '2.weight'", "missing tensor '2.bias'"]) {
      try Checkpoint.load(into: &deeper, from: url)
    }
    var shallower = MLP(sizes: [4, 3], rng: &rng)
    expectCheckpointError(url, ["unexpected tensor '1.weight'"]) {
      try Checkpoint.load(into: &shallower, from: url)
    }
  }

  @Test func duplicateNamesAreRejected() throws {
    let url = try scratchDirectory("dup").appendingPathComponent("d.safetensors")
    expectCheckpointError(url, ["duplicate", "'x'"]) {
      try Checkpoint.save(
        [(name: "x", tensor: Tensor(1)), (name: "x", tensor: Tensor(2))], to: url)
    }
  }
}
