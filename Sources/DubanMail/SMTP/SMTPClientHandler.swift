import NIOCore

/// The channel handler under the SMTP client: parses replies and hands each
/// one to the oldest waiting request, failing every waiter when the
/// connection breaks or a reply does not come in time.
///
/// Lives on the channel's event loop; the client reaches it only through
/// `NIOLoopBound`.
final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private var parser = SMTPReplyParser()
    /// Replies that arrived before anyone asked (the greeting, usually).
    private var unclaimed: [SMTPReply] = []
    private var waiting: [(promise: EventLoopPromise<SMTPReply>, timeout: Scheduled<Void>?)] = []
    private var failure: MailError?
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    /// Registers interest in the next reply, failing after `timeout`.
    func expectReply(_ promise: EventLoopPromise<SMTPReply>, timeout: TimeAmount, eventLoop: any EventLoop) {
        if let failure {
            promise.fail(failure)
            return
        }
        if !unclaimed.isEmpty {
            promise.succeed(unclaimed.removeFirst())
            return
        }
        let scheduled: Scheduled<Void> = eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] in
            self?.fail(MailError(.timeout, "no reply from the server within \(timeout.nanoseconds / 1_000_000_000) s", transient: true))
        }
        waiting.append((promise: promise, timeout: scheduled))
    }

    /// See `SMTPReplyParser.discardBuffered()`.
    func discardBuffered() {
        parser.discardBuffered()
        unclaimed.removeAll()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        do {
            for reply in try parser.feed(buffer.readableBytesView) {
                if waiting.isEmpty {
                    unclaimed.append(reply)
                } else {
                    let first = waiting.removeFirst()
                    first.timeout?.cancel()
                    first.promise.succeed(reply)
                }
            }
        } catch {
            fail(MailError(.protocolError, "the server sent \(error); closing the connection", transient: true))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(MailError(.io, "the server closed the connection", transient: true))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(SMTPErrors.classify(error))
    }

    /// Fails every waiter with the first failure and closes the connection.
    private func fail(_ error: MailError) {
        if failure == nil { failure = error }
        let waiters = waiting
        waiting.removeAll()
        for waiter in waiters {
            waiter.timeout?.cancel()
            waiter.promise.fail(failure!)
        }
        context?.close(promise: nil)
    }
}
