import Foundation
import Testing

@testable import TensorModule

/// Escapes by hand, and the result parses back to the original text.
@Test func jsonTextQuotesAndEscapes() throws {
  let text = "a\"b\\c\nd\re\tf\u{1}g\u{1f}é"
  let quoted = JSONText.quoted(text)
  #expect(quoted == #""a\"b\\c\nd\re\tf\u0001g\u001fé""#)
  let parsed = try JSONSerialization.jsonObject(
    with: Data("[\(quoted)]".utf8)) as? [String]
  #expect(parsed == [text])
}
