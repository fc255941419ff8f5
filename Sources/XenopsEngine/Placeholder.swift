// Placeholder so the package builds on the `simulator` branch, where XenopsEngine is not
// written yet. Drop this file when merging the engine branch.
