package io.flowtrap.manager.results;

import java.util.List;
import java.util.Set;

/** Where results of some kinds come from (captures, searches, merges and filters): what it holds now, and one by kind and id. */
public interface ResultSource {

    /** The kinds' names in URLs and answers, e.g. {@code capture}. */
    Set<String> kinds();

    /** Its results now (a capture or a search once done with packets, with its per-probe parts). */
    List<Result> all();

    /** One result of one of its kinds; NOT_FOUND (or GONE, CONFLICT: the source's words) when there is none to hand over. */
    Result find(String kind, String id);
}
