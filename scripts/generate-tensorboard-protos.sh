#!/usr/bin/env bash
# Regenerates Sources/TensorBoard/Generated/*.pb.swift from Sources/TensorBoard/Protos/*.proto.
# Run by hand after editing a .proto; the package build never runs protoc, and the generated files
# are committed. Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift of the same
# swift-protobuf version as Package.swift's (build it once with
# `swift build -c release --product protoc-gen-swift` in a checkout of apple/swift-protobuf at
# that tag, then pass its path as PROTOC_GEN_SWIFT).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}"
if [ -z "$plugin" ]; then
  echo "protoc-gen-swift not found: set PROTOC_GEN_SWIFT=/path/to/protoc-gen-swift" >&2
  exit 1
fi
protoc --plugin=protoc-gen-swift="$plugin" \
  --proto_path=Sources/TensorBoard/Protos \
  --swift_opt=Visibility=Internal \
  --swift_out=Sources/TensorBoard/Generated \
  Sources/TensorBoard/Protos/summary.proto Sources/TensorBoard/Protos/event.proto
echo "regenerated: $(ls Sources/TensorBoard/Generated)"
