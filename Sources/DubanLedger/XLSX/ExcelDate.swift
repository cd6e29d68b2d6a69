public import DubanCore

/// Excel stores dates as day counts ("serials") in one of two systems.
public enum ExcelDateSystem: Sendable {
    /// Windows Excel: serial 1 is 1900-01-01, and serial 60 is 1900-02-29, a
    /// day that never existed (kept by Excel for Lotus 1-2-3 compatibility).
    case from1900
    /// Old Mac Excel (`<workbookPr date1904="1"/>`): serial 0 is 1904-01-01.
    case from1904

    /// The calendar date of a serial, ignoring any time of day. Nil for the
    /// phantom 1900-02-29 and for values no real ledger date can have.
    public func date(fromSerial serial: Double) -> LocalDate? {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }  // 9999-12-31
        let days = Int(serial.rounded(.down))
        switch self {
        case .from1904:
            return LocalDate(year: 1904, month: 1, day: 1)!.adding(days: days)
        case .from1900:
            if days == 0 || days == 60 { return nil }
            let base = LocalDate(year: 1899, month: 12, day: 31)!
            return base.adding(days: days < 60 ? days : days - 1)
        }
    }
}
