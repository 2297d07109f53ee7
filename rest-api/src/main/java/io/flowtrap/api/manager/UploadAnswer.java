package io.flowtrap.api.manager;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** {@code upload}'s answer: {@code {"upload": "done", "filename": <job>}}. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record UploadAnswer(String upload, String filename) {
    public static UploadAnswer done(String job) {
        return new UploadAnswer("done", job);
    }
}
