public import DubanCore
public import Logging

extension DeliverStage.Report {
    /// Logs every outcome of a pass, in one exhaustive `switch` (a new
    /// outcome does not compile until it is logged), and returns the error
    /// worth showing in STATUS, if any: a message given up on, then one being
    /// retried, then a warning of the plan (a digest archive not written).
    ///
    /// A retry failure is logged only when its error changes (`reported`
    /// remembers the last one per message), like Alertmanager's retry stage;
    /// recipients refused for good are always logged, as warnings.
    public func log(to logger: Logger, plan: Planner.Plan? = nil, reported: inout [String: String]) -> String? {
        for delivery in deliveries {
            let id = delivery.messageID
            switch delivery.outcome {
            case .delivered(let refused):
                logger.info("delivered", metadata: ["message_id": "\(id)"])
                reported[id] = nil
                Self.logRefused(refused, id: id, to: logger)
            case .retrying(let next, let error, let waiting, let refused):
                if reported[id] != error {
                    let who = waiting.isEmpty ? "" : " (the others have it; retrying \(waiting.joined(separator: ", ")) only)"
                    logger.warning("delivery failed; will retry: \(error)\(who)",
                                   metadata: ["message_id": "\(id)", "next_attempt": "\(next)"])
                    reported[id] = error
                }
                Self.logRefused(refused, id: id, to: logger)
            case .failedForGood(let error):
                logger.error("delivery failed for good: \(error)", metadata: ["message_id": "\(id)"])
                reported[id] = nil
            }
        }
        return failed.values.sorted().first ?? retrying.values.sorted().first
            ?? plan?.warnings.first { $0.hasPrefix(DigestStage.archiveWarningPrefix) }
    }

    private static func logRefused(_ refused: [String: String], id: String, to logger: Logger) {
        guard !refused.isEmpty else { return }
        let list = refused.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }.joined(separator: ", ")
        logger.warning("delivered, but recipients were refused for good: \(list)",
                       metadata: ["message_id": "\(id)", "refused": "\(refused.keys.sorted().joined(separator: ","))"])
    }
}
