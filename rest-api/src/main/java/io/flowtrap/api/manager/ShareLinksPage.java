package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code GET /rest/shares/}: every share link kept (active, expired, revoked), newest first, with its opens. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ShareLinksPage(long count, List<ShareLinkAnswer> results) {}
