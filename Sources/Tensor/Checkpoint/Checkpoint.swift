import Foundation
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A checkpoint file could not be written or read: names the file and the reason.
public struct CheckpointError: Error, CustomStringConvertible, LocalizedError, Equatable {
  /// The file involved.
  public let path: String
  /// What went wrong, in words.
  public let reason: String

  /// `"checkpoint <path>: <reason>"`.
  public var description: String { "checkpoint \(path): \(reason)" }
  /// Same as `description`.
  public var errorDescription: String? { description }
}

/// The contents of a checkpoint file.
public struct CheckpointContents: Sendable {
  /// Tensors by name.
  public var tensors: [String: Tensor]
  /// Tensor names in file (data offset) order.
  public var names: [String]
  /// The optional `__metadata__` string map.
  public var metadata: [String: String]
}

/// Reading and writing tensors in the safetensors layout.
///
/// File layout: an 8-byte little-endian header length `N`; `N` bytes of JSON header
/// `{name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
/// "__metadata__": {string: string}}` (padded with spaces to a multiple of 8); then the raw
/// little-endian Float32 data, offsets relative to the start of the data section. Files are
/// written atomically (temporary file in the same directory, then `rename`).
public enum Checkpoint {
  /// The largest header accepted when loading, in bytes (guards against corrupt lengths).
  public static let maxHeaderBytes = 100_000_000

  private static let tempCounter = Atomic<Int>(0)

  // MARK: save

  /// Writes `tensors` (in the given order) and `metadata` to `url`, atomically.
  ///
  /// - Throws: `CheckpointError` for duplicate names or I/O failures.
  public static func save(
    _ tensors: [(name: String, tensor: Tensor)], to url: URL, metadata: [String: String] = [:]
  ) throws {
    let path = url.path
    var seen = Set<String>()
    for (name, _) in tensors {
      guard name != "__metadata__", seen.insert(name).inserted else {
        throw CheckpointError(path: path, reason: "duplicate or reserved tensor name '\(name)'")
      }
    }
    var header = "{"
    if !metadata.isEmpty {
      let entries = metadata.keys.sorted().map {
        "\(JSONText.quoted($0)):\(JSONText.quoted(metadata[$0]!))"
      }
      header += "\"__metadata__\":{\(entries.joined(separator: ","))}"
    }
    var offset = 0
    for (i, (name, tensor)) in tensors.enumerated() {
      let end = offset + tensor.scalarCount * 4
      if i > 0 || !metadata.isEmpty { header += "," }
      let shape = tensor.shape.map(String.init).joined(separator: ",")
      header +=
        "\(JSONText.quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],"
        + "\"data_offsets\":[\(offset),\(end)]}"
      offset = end
    }
    header += "}"
    var headerBytes = Array(header.utf8)
    while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

    var data = Data(capacity: 8 + headerBytes.count + offset)
    withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
    data.append(contentsOf: headerBytes)
    for (_, tensor) in tensors {
      let littleEndian = tensor.scalars.map { $0.bitPattern.littleEndian }
      littleEndian.withUnsafeBytes { data.append(contentsOf: $0) }
    }
    try writeAtomically(data, to: url)
  }

  /// Writes the parameters of `model` (visiting order and names) and `metadata` to `url`.
  public static func save<M: ParameterVisitable>(
    _ model: M, to url: URL, metadata: [String: String] = [:]
  ) throws {
    try save(model.namedParameters, to: url, metadata: metadata)
  }

  /// Writes `data` to a temporary file next to `url`, flushes it, and renames it into place, so
  /// readers see either the old file or the complete new one.
  static func writeAtomically(_ data: Data, to url: URL) throws {
    let path = url.path
    let directory = url.deletingLastPathComponent().path
    let unique = tempCounter.add(1, ordering: .relaxed).newValue
    let tempPath =
      (directory.isEmpty ? "." : directory)
      + "/.\(url.lastPathComponent).tmp-\(getpid())-\(unique)"
    guard FileManager.default.createFile(atPath: tempPath, contents: nil) else {
      throw CheckpointError(path: path, reason: "cannot create temporary file \(tempPath)")
    }
    do {
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tempPath))
      defer { try? handle.close() }
      try handle.write(contentsOf: data)
      try handle.synchronize()
    } catch {
      unlink(tempPath)
      throw CheckpointError(path: path, reason: "cannot write temporary file: \(error)")
    }
    guard rename(tempPath, path) == 0 else {
      let message = String(cString: strerror(errno))
      unlink(tempPath)
      throw CheckpointError(path: path, reason: "cannot rename temporary file: \(message)")
    }
  }

  // MARK: load

  /// Reads every tensor of the checkpoint at `url`.
  ///
  /// - Throws: `CheckpointError` naming the file and the reason (missing, truncated, corrupt
  ///   header, unsupported dtype, inconsistent offsets, trailing bytes).
  public static func load(from url: URL) throws -> [String: Tensor] {
    try read(from: url).tensors
  }

  /// Reads tensors, their file order, and metadata from the checkpoint at `url`.
  public static func read(from url: URL) throws -> CheckpointContents {
    let path = url.path
    func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw fail("cannot read file: \(error.localizedDescription)")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else {
      throw fail("truncated: file has \(bytes.count) bytes, fewer than the 8-byte header length")
    }
    var headerLength: UInt64 = 0
    for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard headerLength <= UInt64(maxHeaderBytes) else {
      throw fail("corrupt: header length \(headerLength) exceeds \(maxHeaderBytes) bytes")
    }
    guard 8 + Int(headerLength) <= bytes.count else {
      throw fail(
        "truncated: header needs \(headerLength) bytes but only \(bytes.count - 8) follow")
    }
    let headerData = Data(bytes[8..<(8 + Int(headerLength))])
    let header: [String: HeaderValue]
    do {
      header = try JSONDecoder().decode([String: HeaderValue].self, from: headerData)
    } catch let error as DecodingError {
      throw fail("corrupt header: \(describe(error))")
    } catch {
      throw fail("corrupt header: \(error)")
    }

    let dataStart = 8 + Int(headerLength)
    let dataSize = bytes.count - dataStart
    var metadata: [String: String] = [:]
    var entries: [(name: String, entry: TensorEntry)] = []
    for (name, value) in header {
      switch value {
      case .metadata(let m): metadata = m
      case .tensor(let e): entries.append((name, e))
      }
    }
    entries.sort { ($0.entry.begin, $0.name) < ($1.entry.begin, $1.name) }

    var tensors: [String: Tensor] = [:]
    var expectedBegin = 0
    for (name, e) in entries {
      guard e.dtype == "F32" else {
        throw fail("tensor '\(name)' has unsupported dtype '\(e.dtype)' (only F32)")
      }
      guard e.shape.allSatisfy({ $0 >= 0 }) else {
        throw fail("tensor '\(name)' has a negative extent in shape \(e.shape)")
      }
      guard e.begin <= e.end else {
        throw fail("tensor '\(name)' has data_offsets [\(e.begin), \(e.end)] with begin > end")
      }
      guard e.end <= dataSize else {
        throw fail(
          "truncated: tensor '\(name)' ends at data byte \(e.end) but the data section has "
            + "\(dataSize) bytes")
      }
      let count = e.shape.reduce(1, *)
      guard e.end - e.begin == count * 4 else {
        throw fail(
          "tensor '\(name)' with shape \(e.shape) needs \(count * 4) bytes, offsets give "
            + "\(e.end - e.begin)")
      }
      guard e.begin == expectedBegin else {
        throw fail(
          "tensor '\(name)' starts at data byte \(e.begin), expected \(expectedBegin) "
            + "(overlapping or gapped offsets)")
      }
      expectedBegin = e.end
      let scalars = [Float](unsafeUninitializedCapacity: count) { out, initialized in
        for i in 0..<count {
          let base = dataStart + e.begin + 4 * i
          let bits =
            UInt32(bytes[base]) | UInt32(bytes[base + 1]) << 8 | UInt32(bytes[base + 2]) << 16
            | UInt32(bytes[base + 3]) << 24
          out[i] = Float(bitPattern: bits)
        }
        initialized = count
      }
      tensors[name] = Tensor(shape: e.shape, scalars: scalars)
    }
    guard expectedBegin == dataSize else {
      throw fail("corrupt: \(dataSize - expectedBegin) unexpected bytes after the last tensor")
    }
    return CheckpointContents(tensors: tensors, names: entries.map(\.name), metadata: metadata)
  }

  /// Loads the checkpoint at `url` into `model`'s parameters, keeping their identities.
  ///
  /// The file must hold exactly the model's parameter names with the same shapes; otherwise
  /// nothing is changed and the error lists every missing, unexpected or mismatched tensor.
  ///
  /// - Returns: the file's metadata.
  @discardableResult
  public static func load<M: ParameterVisitable>(into model: inout M, from url: URL) throws
    -> [String: String]
  {
    let contents = try read(from: url)
    var problems: [String] = []
    var expected = Set<String>()
    model.visitParameters { name, p in
      expected.insert(name)
      guard let t = contents.tensors[name] else {
        problems.append("missing tensor '\(name)'")
        return
      }
      if t.shape != p.shape {
        problems.append(
          "tensor '\(name)' has shape \(t.shape) in the file but \(p.shape) in the model")
      }
    }
    for name in contents.names where !expected.contains(name) {
      problems.append("unexpected tensor '\(name)' not in the model")
    }
    guard problems.isEmpty else {
      throw CheckpointError(path: url.path, reason: problems.joined(separator: "; "))
    }
    model.updateParameters { name, p in p.assign(contents.tensors[name]!) }
    return contents.metadata
  }

  // MARK: helpers

  /// A one-line description of a JSON decoding error with its key path.
  static func describe(_ error: DecodingError) -> String {
    func pathString(_ path: [any CodingKey]) -> String {
      path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error {
    case .keyNotFound(let key, let context):
      return "missing field '\(key.stringValue)' at '\(pathString(context.codingPath))'"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
      return "wrong type at '\(pathString(context.codingPath))': \(context.debugDescription)"
    case .dataCorrupted(let context):
      let underlying = context.underlyingError.map { " (\($0))" } ?? ""
      return "invalid JSON at '\(pathString(context.codingPath))': "
        + "\(context.debugDescription)\(underlying)"
    @unknown default:
      return "\(error)"
    }
  }
}

/// One header entry: a tensor description or the metadata map (by key).
private enum HeaderValue: Decodable {
  case tensor(TensorEntry)
  case metadata([String: String])

  init(from decoder: any Decoder) throws {
    if decoder.codingPath.last?.stringValue == "__metadata__" {
      self = .metadata(try [String: String](from: decoder))
    } else {
      self = .tensor(try TensorEntry(from: decoder))
    }
  }
}

/// A tensor's header entry.
private struct TensorEntry: Decodable {
  let dtype: String
  let shape: [Int]
  let begin: Int
  let end: Int

  enum CodingKeys: String, CodingKey {
    case dtype
    case shape
    case dataOffsets = "data_offsets"
  }

  init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    dtype = try c.decode(String.self, forKey: .dtype)
    shape = try c.decode([Int].self, forKey: .shape)
    let offsets = try c.decode([Int].self, forKey: .dataOffsets)
    guard offsets.count == 2 else {
      throw DecodingError.dataCorruptedError(
        forKey: .dataOffsets, in: c, debugDescription: "data_offsets must have two entries")
    }
    begin = offsets[0]
    end = offsets[1]
  }
}
