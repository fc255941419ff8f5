import ArgumentParser
import Logging

extension Logger.Level: @retroactive ExpressibleByArgument {
    /// The level names swift-log uses, `trace` … `critical`.
    public init?(argument: String) {
        self.init(rawValue: argument.lowercased())
    }
}
