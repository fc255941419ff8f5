// Placeholder so the package builds on the `simulator` branch, where XenopsStore is not
// written yet. Drop this file when merging the `store` branch.
