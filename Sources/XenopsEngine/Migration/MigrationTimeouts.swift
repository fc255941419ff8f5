/// How long the source side of a migration waits for the destination at each step before it
/// gives up with a clear error (the VM then keeps running here).
public struct MigrationTimeouts: Sendable, Hashable {
    /// A call to the destination's API (`VM.import_metadata`, `VM.remove`).
    public var remoteCall: Duration
    /// The destination's answer at sync points 1 and 1-mem (it builds the domain first).
    public var handshake: Duration
    /// The destination's answer at sync point 4 (it renames, restores devices and unpauses).
    public var finish: Duration

    public init(remoteCall: Duration = .seconds(120), handshake: Duration = .seconds(300), finish: Duration = .seconds(300)) {
        self.remoteCall = remoteCall
        self.handshake = handshake
        self.finish = finish
    }
}
