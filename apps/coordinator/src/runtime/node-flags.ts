/**
 * The Node.js flags the coordinator runs with, wherever it runs: `npm start`, the image's
 * command (deploy/Dockerfile), the Kubernetes Deployment's and `npm run bench`'s. A test holds
 * them all to this list. (Not NODE_OPTIONS: Node refuses `--heap-growing-percent` there.)
 *
 * V8 sizes its heap from the memory the process may use. With gigabytes free it lets the young
 * generation grow to 64 MB per semi-space under load, and the old generation to up to four times
 * what survived its last full collection: 370–380 MB resident at 500 sagas/s, for objects that
 * mostly live for one transaction; 250 MB with these, for about 6 % more of its CPU. In a 512 MiB
 * container it gives the young generation 1 MB semi-spaces, which those objects outlive: these
 * take a third off the coordinator's CPU there, for 50 MB more (docs/BENCHMARKS.md, "Memory").
 */
export const COORDINATOR_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=16',
  '--heap-growing-percent=100',
];
