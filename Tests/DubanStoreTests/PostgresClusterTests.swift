import DubanTesting
import Foundation
import Glibc
import Testing

/// The tests' throwaway cluster must not keep other tests' pipes open.
@Suite struct PostgresClusterTests {
    /// A pipe made without close-on-exec before a cluster starts (as Foundation's
    /// `Pipe` makes an SMTP test server's stdin) reaches end of file once this
    /// process closes its writing end: neither the cluster's guardian nor its server
    /// holds a copy. When the guardian inherited it, the SMTP server never saw end of
    /// file, `stop()` waited for ever and the whole suite hung.
    @Test func aClusterKeepsNoneOfTheTestProcesssPipes() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let cluster = try PostgresCluster.startPrivate()
        defer { cluster.stop() }
        close(ends[1])
        var descriptor = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 5_000) == 1, "the read end saw no end of file: a child of the cluster holds the writing end")
        var byte: UInt8 = 0
        #expect(read(ends[0], &byte, 1) == 0)
    }
}
