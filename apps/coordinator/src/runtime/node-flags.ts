/**
 * The Node.js flags the coordinator runs with, wherever it runs: `npm start`, the image's
 * command (deploy/Dockerfile), the Kubernetes Deployment's and `npm run bench`'s. A test holds
 * them all to this list. (Not NODE_OPTIONS: Node refuses `--heap-growing-percent` there.)
 *
 * V8 sizes its heap for the machine: with gigabytes free it lets the young generation grow to
 * 64 MB per semi-space under load, and the old generation to up to four times what survived
 * its last full collection before the next. At 500 sagas/s that made the coordinator's
 * resident memory 370–380 MB, for objects that mostly live for one transaction. With these,
 * 250 MB, for no measurable CPU at that rate (docs/BENCHMARKS.md, "Memory").
 */
export const COORDINATOR_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=16',
  '--heap-growing-percent=100',
];
