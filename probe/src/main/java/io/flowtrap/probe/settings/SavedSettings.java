package io.flowtrap.probe.settings;

import java.time.Instant;

/**
 * Settings with their version: what the probe runs with and where that came from ({@code updatedAt}
 * null and {@code version} 0: the config file's own; else when a PUT wrote them to the settings file).
 */
public record SavedSettings(long version, Instant updatedAt, RuntimeSettings settings) {
    public SavedSettings {
        if (version < 0) {
            throw new IllegalArgumentException("a settings version cannot be negative: " + version);
        }
    }

    /** The config file's settings, version 0. */
    public static SavedSettings fromConfigFile(RuntimeSettings settings) {
        return new SavedSettings(0, null, settings);
    }

    public boolean fromConfigFile() {
        return updatedAt == null;
    }
}
