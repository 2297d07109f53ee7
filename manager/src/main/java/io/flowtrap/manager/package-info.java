/**
 * The manager, by feature: {@code alerts} (ingest into Elasticsearch, search), {@code extraction}
 * (the Stamus-compatible pcap chain: jobs, carves, the download cache), {@code probes} (the
 * registered probes and the client of their API), {@code users} (API keys, the GUI's users and
 * their roles), each with its REST part or pages in {@code <feature>.web}; {@code errors} (the one
 * domain exception), {@code web} (the HTTP edge every feature shares: the error shape, failure
 * kinds to statuses, the connector's bounds, health), {@code security} (who may call what: keys for
 * the API, a sign-in for the GUI) and {@code elasticsearch} (the connection). This package holds
 * only the application's entry point, which may use the {@code token} and {@code user} subcommands
 * of {@code users}. The layering is checked by the architecture test
 * ({@code io.flowtrap.manager.architecture.PackageDependencyTest}).
 */
package io.flowtrap.manager;
