package io.flowtrap.probe.cli;

import io.flowtrap.probe.config.DataSize;
import io.flowtrap.probe.config.Durations;
import io.flowtrap.probe.config.ProbeSettings;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;

/** Store, look-back and flow-table options shared by the commands that capture (replay). */
final class CaptureOptions {
    @Option(names = "--max-size", defaultValue = "100GB", converter = SizeConverter.class,
            description = "Total size of the store; oldest segments are deleted to stay under it (default: ${DEFAULT-VALUE}).")
    DataSize maxSize;

    @Option(names = "--segment-size", defaultValue = "256MB", converter = SizeConverter.class,
            description = "A segment is sealed at this size (default: ${DEFAULT-VALUE}).")
    DataSize segmentSize;

    @Option(names = "--segment-age", defaultValue = "10m", converter = DurationConverter.class,
            description = "A segment is sealed at this age, in packet time (default: ${DEFAULT-VALUE}).")
    Duration segmentAge;

    @Option(names = "--lookback", defaultValue = "256MB", converter = SizeConverter.class,
            description = "Bytes of recent packets held for flows not yet alerted (default: ${DEFAULT-VALUE}).")
    DataSize lookback;

    @Option(names = "--max-flows", defaultValue = "1000000",
            description = "Hard cap on tracked flows (default: ${DEFAULT-VALUE}).")
    int maxFlows;

    ProbeSettings.Store store(java.nio.file.Path dir) {
        return new ProbeSettings.Store(dir, maxSize, segmentSize, segmentAge);
    }

    ProbeSettings.Flows flows() {
        return new ProbeSettings.Flows(maxFlows, null, null, null, null, null, null);
    }

    ProbeSettings.Lookback lookbackSettings() {
        return new ProbeSettings.Lookback(lookback);
    }

    static final class SizeConverter implements ITypeConverter<DataSize> {
        @Override
        public DataSize convert(String value) {
            return DataSize.parse(value);
        }
    }

    static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }
}
