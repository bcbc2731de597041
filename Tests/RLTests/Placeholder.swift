import Testing

@Test func placeholderRL() { #expect(Bool(true)) }
