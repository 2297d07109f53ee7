package io.flowtrap.manager.sharing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flowtrap.api.manager.ResultAnswer;
import io.flowtrap.api.manager.ResultLabels;
import io.flowtrap.api.manager.ResultsPage;
import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * Every result of every source, with the tags and comment analysts set on it ({@code
 * <data-dir>/sharing/labels.json}, by {@code kind/id}; a result never labelled shows the tags it
 * was made with). Tags: at most {@value #MAX_TAGS}, each 1 to {@value #MAX_TAG} of letters, digits
 * and {@code . _ : -}; a comment at most {@value #MAX_COMMENT} characters. Thread-safe.
 */
@Component
public class Results {
    static final int MAX_TAGS = 30;
    static final int MAX_TAG = 64;
    static final int MAX_COMMENT = 4000;
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_TAG + "}");

    /** What analysts set on one result. */
    record Label(List<String> tags, String comment, String by, String at) {}

    private final Map<String, ResultSource> sources = new LinkedHashMap<>();
    private final JsonFile<Map<String, Label>> file;
    private final Map<String, Label> labels;

    public Results(List<ResultSource> sources, SharingProperties properties, ObjectMapper json) throws IOException {
        for (ResultSource s : sources) {
            this.sources.put(s.kind(), s);
        }
        this.file = new JsonFile<>(properties.dataDir().resolve("sharing/labels.json"), json,
                json.getTypeFactory().constructMapType(LinkedHashMap.class, String.class, Label.class));
        this.labels = new LinkedHashMap<>(file.read(Map.of()));
    }

    /** The results of {@code kind} (null: all) carrying {@code tag} (null: any), newest first. */
    public ResultsPage list(String kind, String tag) {
        List<ResultAnswer> answers = new ArrayList<>();
        for (ResultSource s : kind == null || kind.isBlank() ? sources.values() : List.of(source(kind))) {
            for (SharedResult r : s.all()) {
                ResultAnswer a = answer(r);
                if (tag == null || tag.isBlank() || a.tags().contains(tag.strip())) {
                    answers.add(a);
                }
            }
        }
        answers.sort(Comparator.comparing(ResultAnswer::created, Comparator.nullsLast(Comparator.naturalOrder())).reversed());
        return new ResultsPage(answers.size(), answers);
    }

    /** One result with its file; NOT_FOUND for an unknown kind or id. */
    public SharedResult find(String kind, String id) {
        if (id == null || id.isBlank()) {
            throw new DomainException(Kind.NOT_FOUND, "no such result", "no " + kind + " result without an id");
        }
        return source(kind).find(id);
    }

    public ResultAnswer get(String kind, String id) {
        return answer(find(kind, id));
    }

    /** Sets a result's tags and/or comment ({@link ResultLabels}), as {@code user}. */
    public ResultAnswer label(String kind, String id, ResultLabels change, String user) throws IOException {
        SharedResult r = find(kind, id);
        List<String> tags = change.tags() == null ? null : validTags(change.tags());
        String comment = change.comment();
        if (comment != null && comment.length() > MAX_COMMENT) {
            throw new DomainException(Kind.INVALID, "comment too long", "a comment is at most " + MAX_COMMENT + " characters");
        }
        synchronized (this) {
            Label old = labels.get(r.key());
            List<String> newTags = tags != null ? tags : old != null ? old.tags() : r.tags();
            String newComment = comment != null ? (comment.isBlank() ? null : comment.strip()) : old != null ? old.comment() : null;
            Label label = new Label(newTags, newComment, user, Instant.now().toString());
            Map<String, Label> next = new LinkedHashMap<>(labels);
            next.put(r.key(), label);
            file.write(next);
            labels.put(r.key(), label);
        }
        return answer(r);
    }

    static List<String> validTags(List<String> tags) {
        LinkedHashSet<String> unique = new LinkedHashSet<>();
        for (String t : tags) {
            String tag = t == null ? "" : t.strip();
            if (!TAG.matcher(tag).matches()) {
                throw new DomainException(Kind.INVALID, "invalid tag", "'" + t + "': a tag is 1 to " + MAX_TAG
                        + " letters, digits, '.', '_', ':' or '-'");
            }
            unique.add(tag);
        }
        if (unique.size() > MAX_TAGS) {
            throw new DomainException(Kind.INVALID, "too many tags", unique.size() + " tags: a result has at most " + MAX_TAGS);
        }
        return List.copyOf(unique);
    }

    private ResultSource source(String kind) {
        ResultSource s = sources.get(kind);
        if (s == null) {
            throw new DomainException(Kind.NOT_FOUND, "unknown kind", "no results of kind '" + kind + "'; kinds: "
                    + String.join(", ", sources.keySet()));
        }
        return s;
    }

    private synchronized ResultAnswer answer(SharedResult r) {
        Label label = labels.get(r.key());
        return new ResultAnswer(r.kind(), r.id(), r.name(), r.fileName(), r.size(), r.sha256(), r.created(),
                label != null ? label.tags() : r.tags(), label != null ? label.comment() : null,
                label != null ? label.by() : null, "/rest/results/" + r.kind() + "/" + r.id() + "/download/");
    }
}
