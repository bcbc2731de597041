import Envs

extension AlibabaTrace {
  /// `load(for:path:)`, then the loader's one-line summary on stderr (rows read, skipped by
  /// reason, services seen): every figure says what it read from the trace.
  static func loadReporting(
    for environment: EdgeCloudConfig, path: String? = nil,
    sink: ProgressReporter.Sink = ProgressReporter.standardError
  ) throws -> AlibabaTrace {
    let trace = try load(for: environment, path: path)
    sink(trace.summary(services: environment.services))
    return trace
  }
}
