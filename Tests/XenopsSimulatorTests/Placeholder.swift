// Placeholder so that SwiftPM can build the package before this module has sources; delete it once the module has real files.
