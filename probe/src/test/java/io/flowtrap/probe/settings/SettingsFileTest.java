package io.flowtrap.probe.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flowtrap.probe.config.DataSize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The saved settings file: written whole with mode 0640, read back as it was, refused when damaged. */
class SettingsFileTest {
    private static final RuntimeSettings SETTINGS = new RuntimeSettings(false, "not port 22", DataSize.ofMegabytes(128),
            DataSize.parse("10GB"), DataSize.ofMegabytes(64), Duration.ofMinutes(5));

    @TempDir
    Path dir;

    @Test
    void noFileIsNoSavedSettings() throws Exception {
        assertThat(new SettingsFile(dir.resolve("settings.json")).read()).isNull();
    }

    @Test
    void writtenAtomicallyWithMode0640AndReadBackAsWritten() throws Exception {
        SettingsFile file = new SettingsFile(dir.resolve("state/settings.json"));
        file.write(new SavedSettings(7, Instant.now(), SETTINGS));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-r-----");
        try (var listing = Files.list(file.path().getParent())) {
            assertThat(listing.map(p -> p.getFileName().toString())).containsExactly("settings.json");
        }
        SavedSettings read = file.read();
        assertThat(read.version()).isEqualTo(7);
        assertThat(read.settings()).isEqualTo(SETTINGS);
        assertThat(read.updatedAt()).isEqualTo(Files.getLastModifiedTime(file.path()).toInstant());
        assertThat(read.fromConfigFile()).isFalse();

        file.write(new SavedSettings(8, Instant.now(), SETTINGS.withLookbackSize(DataSize.ofMegabytes(512))));
        assertThat(file.read().version()).isEqualTo(8);
        assertThat(file.read().settings().lookbackSize()).isEqualTo(DataSize.ofMegabytes(512));
    }

    @Test
    void aLeftoverTemporaryFileOfACrashedWriteIsReplaced() throws Exception {
        SettingsFile file = new SettingsFile(dir.resolve("settings.json"));
        Files.writeString(dir.resolve(".settings.json.tmp"), "{\"version\": 3, \"pcap_ext"); // cut off mid-write
        assertThat(file.read()).isNull();
        file.write(new SavedSettings(1, Instant.now(), SETTINGS));
        assertThat(file.read().settings()).isEqualTo(SETTINGS);
        assertThat(dir.resolve(".settings.json.tmp")).doesNotExist();
    }

    @Test
    void aDamagedFileIsRefusedWithWhatIsWrong() throws Exception {
        Path path = dir.resolve("settings.json");
        SettingsFile file = new SettingsFile(path);
        Files.writeString(path, "{\"version\": 3, \"pcap_ext");
        assertThatThrownBy(file::read).hasMessageStartingWith(path + " is not JSON");
        Files.writeString(path, "{\"version\": 3, \"pcap_extraction_on_alerts\": true}");
        assertThatThrownBy(file::read).hasMessageContaining(path + " is not a probe-settings document")
                .hasMessageContaining("$: required property 'store' not found");
        Files.writeString(path, "");
        assertThatThrownBy(file::read).hasMessageContaining("empty file");
    }
}
