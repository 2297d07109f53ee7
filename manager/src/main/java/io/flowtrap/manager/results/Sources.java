package io.flowtrap.manager.results;

import io.flowtrap.manager.errors.DomainException;
import io.flowtrap.manager.errors.DomainException.Kind;
import java.util.List;
import java.util.function.Supplier;

/** What the sources share when they list: a result deleted between the list and its lookup is left out, not an error. */
final class Sources {
    private Sources() {}

    static void addUnlessGone(List<Result> all, Supplier<Result> lookup) {
        try {
            all.add(lookup.get());
        } catch (DomainException e) {
            if (e.kind() != Kind.NOT_FOUND && e.kind() != Kind.GONE && e.kind() != Kind.CONFLICT) {
                throw e;
            }
        }
    }
}
