import DubanTesting
import Foundation

/// A fresh path in a fresh temporary folder.
func temporaryFile(_ name: String) throws -> URL {
    try temporaryFolder("office").appendingPathComponent(name)
}
