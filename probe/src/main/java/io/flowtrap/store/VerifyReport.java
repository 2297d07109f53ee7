package io.flowtrap.store;

import java.util.List;

/** What {@link StoreVerifier} found: one line per damage (file and offset), and what it checked. Immutable. */
public record VerifyReport(int segments, long packets, long flows, List<String> damages) {
    public VerifyReport {
        damages = List.copyOf(damages);
    }

    public boolean clean() {
        return damages.isEmpty();
    }

    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(clean() ? "ok: " : "DAMAGED: ").append(segments).append(" segments, ").append(packets)
                .append(" packets, ").append(flows).append(" flow entries checked");
        for (String d : damages) {
            sb.append('\n').append("  ").append(d);
        }
        return sb.toString();
    }
}
