// The C functions of libEdgeCloudC (declared in edgecloud.h). Each one validates its
// arguments, runs under the handle's lock and returns a status code; a failure also sets the
// calling thread's last error. Nothing here traps on the caller's input.

/// The ABI version (bumped on every incompatible change of these functions or the buffers).
@_cdecl("kmps_ec_abi_version")
public func edgeCloudABIVersion() -> Int32 { 1 }

/// Creates an environment from a JSON config (null: the defaults; a partial object is merged
/// over them and unknown keys are errors), an optional trace path replacing
/// `workload.tracePath`, and a seed; writes its handle to `outHandle`.
@_cdecl("kmps_ec_create")
public func edgeCloudCreate(
  _ configJSON: UnsafePointer<CChar>?, _ tracePath: UnsafePointer<CChar>?, _ seed: UInt64,
  _ outHandle: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { () throws(ABIError) in
    let out = try required(outHandle, "out_handle")
    let session = try Session(
      configJSON: configJSON.map { String(cString: $0) },
      tracePath: tracePath.map { String(cString: $0) }, seed: seed)
    out.pointee = Registry.add(session)
  }
}

/// Destroys an environment; its handle becomes invalid.
@_cdecl("kmps_ec_destroy")
public func edgeCloudDestroy(_ handle: Int64) -> Int32 {
  guarded { () throws(ABIError) in try Registry.remove(handle) }
}

/// Writes up to `count` sizes to `out`: eAPs B, observation floats O, actions per eAP A
/// (targets + wait), state floats S, info values I.
@_cdecl("kmps_ec_sizes")
public func edgeCloudSizes(
  _ handle: Int64, _ out: UnsafeMutablePointer<Int64>?, _ count: Int64
) -> Int32 {
  guarded { () throws(ABIError) in
    let out = try required(out, "out")
    let sizes = try Registry.with(handle) { s throws(ABIError) in
      [
        s.eapCount, s.env.eapObservationSize, s.actionCount, s.env.globalStateSize,
        s.infoNames.count,
      ]
    }
    for (i, size) in sizes.prefix(Int(max(0, count))).enumerated() { out[i] = Int64(size) }
  }
}

/// Writes the info names, comma-separated and NUL-terminated, into `buffer` (truncated to
/// `capacity` bytes) and their full length to `outLength`.
@_cdecl("kmps_ec_info_names")
public func edgeCloudInfoNames(
  _ handle: Int64, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
  _ outLength: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { () throws(ABIError) in
    let names = try Registry.with(handle) { s throws(ABIError) in s.infoNames }
    try writeString(names.joined(separator: ","), buffer, capacity, outLength)
  }
}

/// Writes the env's resolved config as JSON (what a run should record) into `buffer`, like
/// `kmps_ec_info_names`.
@_cdecl("kmps_ec_config_json")
public func edgeCloudConfigJSON(
  _ handle: Int64, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
  _ outLength: UnsafeMutablePointer<Int64>?
) -> Int32 {
  guarded { () throws(ABIError) in
    let config = try Registry.with(handle) { s throws(ABIError) in s.env.sim.config }
    let json: String
    do {
      json = String(decoding: try config.jsonData(), as: UTF8.self)
    } catch {
      throw ABIError(status: .invalidConfig, message: "cannot encode the config: \(error)")
    }
    try writeString(json, buffer, capacity, outLength)
  }
}

/// Starts an episode (with `seed` when `useSeed` is nonzero, else the env's next seed) and
/// writes observations, masks, state, flags and info (see `Outputs`).
@_cdecl("kmps_ec_reset")
public func edgeCloudReset(
  _ handle: Int64, _ seed: UInt64, _ useSeed: Int32,
  _ observations: UnsafeMutablePointer<Float>?, _ masks: UnsafeMutablePointer<Int8>?,
  _ state: UnsafeMutablePointer<Float>?, _ flags: UnsafeMutablePointer<UInt8>?,
  _ info: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded { () throws(ABIError) in
    let out = try outputs(observations, masks, state, flags, info)
    try Registry.with(handle) { s throws(ABIError) in
      s.reset(seed: useSeed != 0 ? seed : nil, into: out)
    }
  }
}

/// Applies one action per eAP (`count` = B; the due eAPs' targets, "wait" = A − 1 for the
/// others) and writes the result, with `rewards[b]` = what eAP b was paid in this step.
@_cdecl("kmps_ec_step")
public func edgeCloudStep(
  _ handle: Int64, _ actions: UnsafePointer<Int64>?, _ count: Int64,
  _ observations: UnsafeMutablePointer<Float>?, _ masks: UnsafeMutablePointer<Int8>?,
  _ state: UnsafeMutablePointer<Float>?, _ rewards: UnsafeMutablePointer<Double>?,
  _ flags: UnsafeMutablePointer<UInt8>?, _ info: UnsafeMutablePointer<Double>?
) -> Int32 {
  guarded { () throws(ABIError) in
    let actions = try required(actions, "actions")
    let rewards = try required(rewards, "rewards")
    guard count >= 0 else {
      throw ABIError(status: .invalidArgument, message: "negative action count \(count)")
    }
    let out = try outputs(observations, masks, state, flags, info)
    try Registry.with(handle) { s throws(ABIError) in
      try s.step(
        UnsafeBufferPointer(start: actions, count: Int(count)), rewards: rewards, into: out)
    }
  }
}

/// Checks eAP `eap`'s action against the latest result without stepping: `KMPS_EC_OK`, or
/// `KMPS_EC_INVALID_ACTION` with the reason (out of range, masked, not "wait" for an idle eAP).
@_cdecl("kmps_ec_check_action")
public func edgeCloudCheckAction(_ handle: Int64, _ eap: Int64, _ action: Int64) -> Int32 {
  guarded { () throws(ABIError) in
    try Registry.with(handle) { s throws(ABIError) in try s.check(eap: Int(eap), action: action) }
  }
}

/// Copies the calling thread's last error message (NUL-terminated, truncated to `capacity`
/// bytes) into `buffer` and returns its full length in bytes.
@_cdecl("kmps_ec_last_error")
public func edgeCloudLastError(_ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64) -> Int64 {
  let message = LastError.get()
  copy(message, to: buffer, capacity: capacity)
  return Int64(message.utf8.count)
}

private func outputs(
  _ observations: UnsafeMutablePointer<Float>?, _ masks: UnsafeMutablePointer<Int8>?,
  _ state: UnsafeMutablePointer<Float>?, _ flags: UnsafeMutablePointer<UInt8>?,
  _ info: UnsafeMutablePointer<Double>?
) throws(ABIError) -> Outputs {
  Outputs(
    observations: try required(observations, "observations"),
    masks: try required(masks, "masks"), state: try required(state, "state"),
    flags: try required(flags, "flags"), info: try required(info, "info"))
}

private func writeString(
  _ text: String, _ buffer: UnsafeMutablePointer<CChar>?, _ capacity: Int64,
  _ outLength: UnsafeMutablePointer<Int64>?
) throws(ABIError) {
  let length = try required(outLength, "out_length")
  copy(text, to: buffer, capacity: capacity)
  length.pointee = Int64(text.utf8.count)
}

/// Copies `text` NUL-terminated into `buffer`, truncated to `capacity` bytes (nothing when
/// `buffer` is null or `capacity` < 1).
private func copy(_ text: String, to buffer: UnsafeMutablePointer<CChar>?, capacity: Int64) {
  guard let buffer, capacity > 0 else { return }
  let bytes = Array(text.utf8.prefix(Int(capacity) - 1))
  for (i, byte) in bytes.enumerated() { buffer[i] = CChar(bitPattern: byte) }
  buffer[bytes.count] = 0
}
