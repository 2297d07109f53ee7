package io.flowtrap.manager.probes;

/**
 * What one probe told the manager just now for the Appliances page: reachable or why not, when it
 * was last seen, its software and settings versions, its store's figures and its capture counters. Figures it did
 * not give are -1.
 *
 * @param lastSeenMs when the manager last heard from it (this manager's run), 0: never
 * @param version the probe's settings version, -1 unknown
 * @param lookbackHitRate armed flows whose start was still in the look-back ring, 0..1; -1 when none was armed
 * @param softwareVersion the probe's software version (its health answer), "" unknown
 */
public record ApplianceStatus(String name, String url, String origin, boolean reachable, String error, long lastSeenMs,
        long version, long storeBytes, long storeMaxBytes, long oldestNs, long newestNs, long segments, long packetsCaptured,
        long packetsDropped, long flowsArmed, double lookbackHitRate, String softwareVersion) {

    /** Days between the oldest and the newest stored packet; -1 when the store holds none. */
    public double daysCovered() {
        return oldestNs <= 0 || newestNs < oldestNs ? -1 : (newestNs - oldestNs) / 86_400e9;
    }
}
