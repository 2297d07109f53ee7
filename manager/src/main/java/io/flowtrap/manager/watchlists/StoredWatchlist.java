package io.flowtrap.manager.watchlists;

import io.flowtrap.api.manager.WatchlistAnswer.ProbeTrigger;
import io.flowtrap.api.manager.WatchlistAnswer.RefusedLine;
import java.util.List;
import org.springframework.data.annotation.Id;
import org.springframework.data.elasticsearch.annotations.Document;
import org.springframework.data.elasticsearch.annotations.Field;
import org.springframework.data.elasticsearch.annotations.WriteTypeHint;

/**
 * A watchlist as kept in Elasticsearch (schema stored-watchlist.schema.json): the list's text as
 * loaded (a restart reads it again, as {@link WatchlistText}, for its entries and refused lines),
 * where it came from, its probes and each one's trigger as last put, who loaded and reloaded it when.
 *
 * @param reloadedMs 0: never reloaded
 * @param reloadedBy empty: never reloaded
 */
@Document(indexName = "#{@stateIndices.name('watchlists')}", createIndex = false, writeTypeHint = WriteTypeHint.FALSE)
record StoredWatchlist(@Id String name, String source, String text, long entries, @Field(name = "refused_count") long refusedCount,
        @Field(name = "refused_lines") List<RefusedLine> refusedLines, List<String> probes, List<ProbeTrigger> triggers,
        @Field(name = "loaded_ms") long loadedMs, @Field(name = "loaded_by") String loadedBy,
        @Field(name = "reloaded_ms") long reloadedMs, @Field(name = "reloaded_by") String reloadedBy) {
    static final String KIND = "watchlists";

    StoredWatchlist {
        refusedLines = refusedLines == null ? List.of() : List.copyOf(refusedLines);
        probes = List.copyOf(probes);
        triggers = triggers == null ? List.of() : List.copyOf(triggers);
        reloadedBy = reloadedBy == null ? "" : reloadedBy;
    }

    @Override
    public String toString() {
        return "StoredWatchlist[name=" + name + ", source=" + source + ", entries=" + entries + ", refused=" + refusedCount
                + ", probes=" + probes + "]";
    }
}
