package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of {@code POST /rest/searches/}: the packets {@code filter} keeps among those the stores
 * of {@code probes} (absent or empty: every probe) hold in [{@code from}, {@code to}] (RFC 3339).
 * {@code analyst}: only for a key no user owns; otherwise the key's or the login's user.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SearchRequest(String filter, String from, String to, List<String> probes, String analyst) {}
