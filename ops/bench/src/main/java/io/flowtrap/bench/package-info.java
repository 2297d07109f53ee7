/** Benchmarks run side by side with the reference tool (tcpdump); see ops/bench/README.md. */
package io.flowtrap.bench;
