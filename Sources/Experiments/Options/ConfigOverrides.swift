import Envs
import Foundation

/// Applies a JSON override file (`--config path.json`) to a figure's default config.
///
/// The file holds any subset of the config's fields, nested like the config itself; objects are
/// merged key by key, everything else (numbers, strings, arrays) replaces the default. A key that
/// does not end up in the resulting config (a typo such as `"lerningRate"`) is an error naming
/// the key path, so misspelled overrides never pass silently. The mechanism is Envs'
/// `PartialDecoding`, the same one that reads `EdgeCloudConfig` files.
public enum ConfigOverrides {
  /// `defaults` with the overrides in `url` applied.
  public static func apply<Config: Codable>(_ url: URL, to defaults: Config) throws -> Config {
    let data: Data
    do {
      data = try Data(contentsOf: url)
    } catch {
      throw ExperimentError.readFailed(path: url.path, reason: FileIO.reason(for: error))
    }
    do {
      return try PartialDecoding.decode(json: data, over: defaults)
    } catch {
      throw ExperimentError.readFailed(path: url.path, reason: error.description)
    }
  }

  /// `defaults` with `override` (a JSON object) applied; `source` names the origin in errors.
  public static func apply<Config: Codable>(
    _ override: JSONValue, to defaults: Config, source: String
  ) throws -> Config {
    do {
      return try PartialDecoding.decode(override, over: defaults)
    } catch {
      throw ExperimentError.readFailed(path: source, reason: error.description)
    }
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
