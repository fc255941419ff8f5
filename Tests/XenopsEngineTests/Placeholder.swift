// Placeholder so that SwiftPM can build the package before this test target has sources; delete it once the target has real files.
