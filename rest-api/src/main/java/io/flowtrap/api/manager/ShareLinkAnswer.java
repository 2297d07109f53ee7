package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A share link: the result it hands over, who made it, until when, and every time it was opened.
 * {@code url} is only in the answer that made it (the manager keeps the token's SHA-256, not the token).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ShareLinkAnswer(String id, String kind, @JsonProperty("result_id") String resultId,
        @JsonProperty("file_name") String fileName, String sha256, @JsonProperty("created_by") String createdBy,
        String created, String expires, String revoked, @JsonProperty("revoked_by") String revokedBy, String state,
        String url, long opens, @JsonProperty("recent_opens") List<Open> recentOpens) {

    /** One open: when, from where, what it was answered. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Open(String at, String address, @JsonProperty("user_agent") String userAgent, int status) {}
}
