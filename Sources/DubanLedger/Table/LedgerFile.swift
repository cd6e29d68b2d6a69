public import DubanCore
public import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A ledger (or people directory) opened for reading: checked to be a regular
/// file no larger than the limit, and read by position.
///
/// Ledger paths come from operators and files from many hands: a path can be
/// a folder, a named pipe (which would block the daemon forever), a device
/// such as /dev/zero (endless), a symbolic link loop, or a 2 GB file. Each is
/// refused here with what was expected, before a byte is read. The type is
/// checked with `stat` before opening, and again with `fstat` on the opened
/// descriptor (opened non-blocking, so a pipe swapped in between cannot block),
/// so what is read is what was checked.
public struct LedgerFile: Sendable {
    public let path: String
    /// The size when opened, from `fstat`.
    public let size: Int
    private let handle: FileHandle

    /// The default for files without a configured limit (the people directory).
    public static let defaultMaxBytes = 256 << 20

    public static func open(_ url: URL, maxBytes: Int = defaultMaxBytes) throws(TableReadError) -> LedgerFile {
        let path = url.path
        func refuse(_ message: String) -> TableReadError { TableReadError(SourceLocation(file: path), message) }
        var info = stat()
        guard stat(path, &info) == 0 else { throw refuse(reason(errno: errno)) }
        if let problem = typeProblem(info.st_mode) { throw refuse(problem) }
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw refuse(reason(errno: errno)) }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard fstat(fd, &info) == 0 else { throw refuse(reason(errno: errno)) }
        if let problem = typeProblem(info.st_mode) { throw refuse(problem) }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw refuse("the file is \(size) bytes, over the \(maxBytes)-byte limit ([ledger] max_bytes); refusing to read it. "
                + "Real ledgers are a few MB: check that this is the right file, or raise max_bytes")
        }
        return LedgerFile(path: path, size: size, handle: handle)
    }

    /// All of the file, as it is now. A file that grew after it was opened is
    /// read only up to the size it had then (it is being written; the readers'
    /// torn-save checks then see a cut file).
    public func readAll() throws(TableReadError) -> Data {
        var data = Data(count: size)
        let done = data.withUnsafeMutableBytes { fill($0, from: 0) }
        if done.count < size { data.removeSubrange(done.count...) }
        if let error = done.error { throw error }
        return data
    }

    /// All of the file as bytes, read straight into the array that the
    /// parser walks: no second copy of a 200 MB ledger.
    public func readAllBytes() throws(TableReadError) -> [UInt8] {
        try read(at: 0, count: size)
    }

    /// `count` bytes from `offset`; fewer only at the end of the file.
    public func read(at offset: Int, count: Int) throws(TableReadError) -> [UInt8] {
        guard offset >= 0, count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let done = bytes.withUnsafeMutableBytes { fill($0, from: offset) }
        if done.count < count { bytes.removeSubrange(done.count...) }
        if let error = done.error { throw error }
        return bytes
    }

    /// Reads until the buffer is full or the file ends; the count read, and the error that stopped it.
    private func fill(_ buffer: UnsafeMutableRawBufferPointer, from offset: Int) -> (count: Int, error: TableReadError?) {
        var done = 0
        let fd = handle.fileDescriptor
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return (done, TableReadError(SourceLocation(file: path), "cannot read the file: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            done += n
        }
        return (done, nil)
    }

    /// What is wrong with a file of this type, or nil for a regular file.
    static func typeProblem(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFDIR: return "this is a folder, not a file; expected a .xlsx or .csv file"
        case S_IFIFO: return "this is a named pipe (FIFO), not a regular file; expected a .xlsx or .csv file saved on disk"
        case S_IFCHR, S_IFBLK: return "this is a device (like /dev/zero), not a regular file; expected a .xlsx or .csv file saved on disk"
        case S_IFSOCK: return "this is a socket, not a regular file; expected a .xlsx or .csv file saved on disk"
        default: return "this is not a regular file; expected a .xlsx or .csv file saved on disk"
        }
    }

    static func reason(errno code: Int32) -> String {
        switch code {
        case ENOENT: return "file not found"
        case ENOTDIR: return "file not found (a folder on the path is a file)"
        case EACCES, EPERM: return "permission denied: the user Duban runs as cannot read this file"
        case ELOOP: return "the path is a loop of symbolic links (a link that leads back to itself); point the path at the real file"
        case ENAMETOOLONG: return "the path is too long"
        default: return "cannot open the file: \(String(cString: strerror(code)))"
        }
    }
}
