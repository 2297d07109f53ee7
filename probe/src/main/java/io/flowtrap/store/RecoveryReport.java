package io.flowtrap.store;

import java.util.List;

/** What opening a store had to repair; {@link #actions()} lists each step, one line each. Immutable. */
public record RecoveryReport(List<String> actions, long bytesCut, int indexesRebuilt, int filesRemoved) {
    public RecoveryReport {
        actions = List.copyOf(actions);
    }

    public boolean clean() {
        return actions.isEmpty();
    }
}
