@testable import DubanMail
import NIOCore
import NIOEmbedded
import Testing

@Suite struct SMTPReplyParserTests {
    @Test func multiLineRepliesAcrossReads() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed(Array("250-mail.example.org\r\n250-STARTTLS\r\n25".utf8)) == [])
        let replies = try parser.feed(Array("0 AUTH PLAIN LOGIN\r\n221 bye\n".utf8))
        #expect(replies == [SMTPReply(code: 250, lines: ["mail.example.org", "STARTTLS", "AUTH PLAIN LOGIN"]),
                            SMTPReply(code: 221, lines: ["bye"])])
    }

    @Test func garbageIsAnError() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try parser.feed(Array("HTTP/1.1 400 Bad\r\n".utf8)) }
        var mixed = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try mixed.feed(Array("250-a\r\n550 b\r\n".utf8)) }
        var long = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.lineTooLong) { try long.feed([UInt8](repeating: 0x41, count: 5000)) }
    }

    @Test func discardForgetsWhatCameBeforeTLS() throws {
        var parser = SMTPReplyParser()
        _ = try parser.feed(Array("250-injected\r\n250 pla".utf8))
        #expect(parser.hasBufferedData)
        parser.discardBuffered()
        #expect(!parser.hasBufferedData)
        #expect(try parser.feed(Array("220 ready\r\n".utf8)) == [SMTPReply(code: 220, lines: ["ready"])])
    }

    @Test func handlerHandsRepliesToWaitersInOrder() throws {
        let loop = EmbeddedEventLoop()
        let handler = SMTPClientHandler()
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        // The greeting arrives before anyone asks: it is kept for the first waiter.
        try channel.writeInbound(ByteBuffer(string: "220 hello\r\n"))
        let first = loop.makePromise(of: SMTPReply.self)
        handler.expectReply(first, timeout: .seconds(30), eventLoop: loop)
        #expect(try first.futureResult.wait() == SMTPReply(code: 220, lines: ["hello"]))
        let second = loop.makePromise(of: SMTPReply.self)
        handler.expectReply(second, timeout: .seconds(30), eventLoop: loop)
        try channel.writeInbound(ByteBuffer(string: "250 ok\r\n"))
        #expect(try second.futureResult.wait().code == 250)
        #expect(try channel.finish().isClean)
    }

    @Test func aSilentServerTimesOutAndClosesTheChannel() throws {
        let loop = EmbeddedEventLoop()
        let handler = SMTPClientHandler()
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        try channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        #expect(channel.isActive)
        let waiter = loop.makePromise(of: SMTPReply.self)
        handler.expectReply(waiter, timeout: .seconds(30), eventLoop: loop)
        loop.advanceTime(by: .seconds(31))
        #expect { try waiter.futureResult.wait() } throws: { ($0 as? MailError)?.stage == .timeout }
        #expect(!channel.isActive)
    }
    @Test func anEndlessContinuationIsAProtocolErrorNotAMemorySink() throws {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try parser.feed(Array(String(repeating: "250-x\r\n", count: 10_000).utf8)) }

        // A long but bounded reply (a generous EHLO) still parses, and the channel ends clean.
        let loop = EmbeddedEventLoop()
        let handler = SMTPClientHandler()
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        let ehlo = loop.makePromise(of: SMTPReply.self)
        handler.expectReply(ehlo, timeout: .seconds(30), eventLoop: loop)
        try channel.writeInbound(ByteBuffer(string: String(repeating: "250-EXTENSION\r\n", count: 60) + "250 HELP\r\n"))
        #expect(try ehlo.futureResult.wait().lines.count == 61)
        #expect(try channel.finish().isClean)

        // The endless one fails the waiter as a transient protocol error and closes the connection.
        let floodLoop = EmbeddedEventLoop()
        let floodHandler = SMTPClientHandler()
        let flooded = EmbeddedChannel(handler: floodHandler, loop: floodLoop)
        // An EmbeddedChannel is inactive until connected: without this, "closed" proves nothing.
        try flooded.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 25)).wait()
        #expect(flooded.isActive)
        let waiter = floodLoop.makePromise(of: SMTPReply.self)
        floodHandler.expectReply(waiter, timeout: .seconds(30), eventLoop: floodLoop)
        for _ in 0..<100 { _ = try? flooded.writeInbound(ByteBuffer(string: String(repeating: "250-more\r\n", count: 100))) }
        #expect(!flooded.isActive)
        if flooded.isActive {
            waiter.fail(ChannelError.ioOnClosedChannel)  // the old handler never answers: do not leave the promise pending
            return
        }
        #expect { try waiter.futureResult.wait() } throws: {
            guard let error = $0 as? MailError else { return false }
            return error.stage == .protocolError && error.isTransient && error.message.contains("lines")
        }
    }
}
