import Foundation

/// Applies a JSON override file (`--config path.json`) to a figure's default config.
///
/// The file holds any subset of the config's fields, nested like the config itself; objects are
/// merged key by key, everything else (numbers, strings, arrays) replaces the default. A key that
/// does not end up in the resulting config (a typo such as `"lerningRate"`) is an error naming
/// the key path, so misspelled overrides never pass silently.
public enum ConfigOverrides {
  /// `defaults` with the overrides in `url` applied.
  public static func apply<Config: Codable>(_ url: URL, to defaults: Config) throws -> Config {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ExperimentError.readFailed(path: url.path, reason: FileIO.reason(for: error))
    }
    let override: JSONValue
    do {
      override = try JSONDecoder().decode(JSONValue.self, from: data)
    } catch {
      throw ExperimentError.readFailed(path: url.path, reason: "not valid JSON (\(error))")
    }
    return try apply(override, to: defaults, source: url.path)
  }

  /// `defaults` with `override` (a JSON object) applied; `source` names the origin in errors.
  public static func apply<Config: Codable>(
    _ override: JSONValue, to defaults: Config, source: String
  ) throws -> Config {
    guard case .object = override else {
      throw ExperimentError.readFailed(path: source, reason: "expected a JSON object at the top")
    }
    let merged = merge(try JSONValue(encoding: defaults), with: override)
    let config: Config
    do {
      config = try JSONDecoder().decode(Config.self, from: try JSONFiles.encode(merged))
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context)
    {
      throw ExperimentError.readFailed(
        path: source,
        reason: "field '\(keyPath(context.codingPath))': \(context.debugDescription)")
    } catch let DecodingError.dataCorrupted(context) {
      throw ExperimentError.readFailed(
        path: source,
        reason: "field '\(keyPath(context.codingPath))': \(context.debugDescription)")
    } catch {
      throw ExperimentError.readFailed(path: source, reason: "\(error)")
    }
    if let unknown = firstUnknownKey(override, in: try JSONValue(encoding: config), path: []) {
      throw ExperimentError.readFailed(
        path: source, reason: "unknown field '\(unknown)' (not part of the config)")
    }
    return config
  }

  /// Deep merge: objects key by key, anything else replaced by `override`.
  public static func merge(_ base: JSONValue, with override: JSONValue) -> JSONValue {
    guard case .object(var members) = base, case .object(let changes) = override else {
      return override
    }
    for (key, value) in changes { members[key] = merge(members[key] ?? .null, with: value) }
    return .object(members)
  }

  /// The first key path of `override` missing from `result` (sorted order), if any.
  static func firstUnknownKey(_ override: JSONValue, in result: JSONValue, path: [String])
    -> String?
  {
    guard case .object(let changes) = override else { return nil }
    for key in changes.keys.sorted() {
      guard let present = result[key] else { return (path + [key]).joined(separator: ".") }
      if let unknown = firstUnknownKey(changes[key]!, in: present, path: path + [key]) {
        return unknown
      }
    }
    return nil
  }

  private static func keyPath(_ path: [any CodingKey]) -> String {
    path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
  }
}

extension CommonOptions {
  /// The figure's config: `defaults`, with the `--config` file's overrides applied if given.
  public func config<Config: Codable>(
    defaults: Config, locator: PackageLocator = PackageLocator()
  ) throws -> Config {
    guard let url = configURL(locator: locator) else { return defaults }
    return try ConfigOverrides.apply(url, to: defaults)
  }
}
