// Placeholder so SwiftPM finds a source file for XenopsStoreTests on the `simulator` branch.
// Drop this file when merging the branch that owns these tests.
