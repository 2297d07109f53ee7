package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The body of {@code POST /rest/watchlists/} (load) and of {@code POST /rest/watchlists/{name}/reload/}:
 * a list in the Emerging Threats block-list or FireHOL ipset format (one IPv4/IPv6 address or CIDR
 * a line, {@code #} comments), given as {@code entries} (the text) or as {@code file} (the name of
 * a file in the manager's watchlist directory); pushed to {@code probes} (absent or empty: every
 * probe) as a watchlist trigger named {@code name}. A reload with neither reads its file again.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WatchlistRequest(String name, List<String> probes, String entries, String file) {}
