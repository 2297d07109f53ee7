package io.flowtrap.manager.sharing;

import java.util.List;

/** A kind of result (captures; later searches, merges): what it holds now, and one by id. */
public interface ResultSource {

    /** The kind's name in URLs and answers, e.g. {@code capture}. */
    String kind();

    /** Its results that have a file now. */
    List<SharedResult> all();

    /** One result; NOT_FOUND (or GONE, CONFLICT: the source's words) when it has no file to hand over. */
    SharedResult find(String id);
}
