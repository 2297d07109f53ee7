package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * {@code alerts_tail}'s answer, as Scirius pages: how many match in all, the URLs of the next and
 * previous pages (null at either end; always present), and this page's alerts (each the stored EVE
 * object with {@code _id} and {@code host}).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AlertsPage(long count, String next, String previous, List<ObjectNode> results) {}
