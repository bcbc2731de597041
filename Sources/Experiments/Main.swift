@main
struct Main {
  static func main() { print("experiment: not yet implemented") }
}
