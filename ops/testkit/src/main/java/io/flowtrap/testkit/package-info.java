/** Test fixtures shared by modules: the traffic corpus generator, Suricata runs, oracle pcap readers. */
package io.flowtrap.testkit;
