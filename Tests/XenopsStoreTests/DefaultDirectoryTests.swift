import Testing
import XenopsStore

@Suite("Default directory")
struct DefaultDirectoryTests {
    @Test("root uses /var/lib/xenopsd-ng whatever the environment says")
    func root() {
        let env = ["HOME": "/root", "XDG_STATE_HOME": "/root/.state"]
        #expect(VMStore.defaultDirectory(isRoot: true, environment: env) == "/var/lib/xenopsd-ng")
        #expect(VMStore.defaultPath(isRoot: true, environment: env) == "/var/lib/xenopsd-ng/state.db")
    }

    @Test("a user uses $XDG_STATE_HOME/xenopsd-ng when it is an absolute path")
    func xdgStateHome() {
        let env = ["HOME": "/home/ann", "XDG_STATE_HOME": "/home/ann/.state/"]
        #expect(VMStore.defaultDirectory(isRoot: false, environment: env) == "/home/ann/.state/xenopsd-ng")
    }

    @Test("a user falls back to ~/.local/state/xenopsd-ng; a relative XDG_STATE_HOME is ignored")
    func home() {
        #expect(VMStore.defaultDirectory(isRoot: false, environment: ["HOME": "/home/ann"])
            == "/home/ann/.local/state/xenopsd-ng")
        #expect(VMStore.defaultDirectory(isRoot: false, environment: ["HOME": "/home/ann", "XDG_STATE_HOME": "state"])
            == "/home/ann/.local/state/xenopsd-ng")
        #expect(VMStore.defaultDirectory(isRoot: false, environment: ["HOME": "/home/ann", "XDG_STATE_HOME": ""])
            == "/home/ann/.local/state/xenopsd-ng")
    }

    @Test("with no HOME at all the result is still an absolute per-user path")
    func noHome() {
        let directory = VMStore.defaultDirectory(isRoot: false, environment: [:])
        #expect(directory.hasPrefix("/"))
        #expect(directory.hasSuffix("/.local/state/xenopsd-ng"))
    }
}
