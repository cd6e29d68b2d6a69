import Foundation
import Hummingbird

/// HTTP basic auth on every request, for a console other hosts can reach.
/// Put TLS in front (a reverse proxy): basic auth sends the password in clear.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let users: ConsoleUsers

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let header = request.headers[.authorization], let (user, password) = Self.credentials(header),
           users.verify(user: user, password: password) {
            return try await next(request, context)
        }
        var response = Response(status: .unauthorized, body: .init(byteBuffer: ByteBuffer(string: "authentication required\n")))
        response.headers[.wwwAuthenticate] = "Basic realm=\"Duban\", charset=\"UTF-8\""
        response.headers[.contentType] = "text/plain; charset=utf-8"
        return response
    }

    static func credentials(_ header: String) -> (String, String)? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}
