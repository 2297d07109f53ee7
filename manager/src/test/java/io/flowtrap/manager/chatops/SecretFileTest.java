package io.flowtrap.manager.chatops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A secret's file: read when only its owner may read it, refused (without its content) otherwise. */
class SecretFileTest {
    @TempDir
    Path dir;

    private Path file(String content, String mode) throws Exception {
        Path f = Files.writeString(dir.resolve("secret"), content);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
        return f;
    }

    @Test
    void anOwnerOnlyFileIsReadWithoutItsLineBreak() throws Exception {
        assertThat(new String(SecretFile.read(file("s3cr3t\n", "rw-------"), "x"), StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
        assertThat(new String(SecretFile.read(file("s3cr3t", "r--------"), "x"), StandardCharsets.UTF_8)).isEqualTo("s3cr3t");
    }

    @Test
    void aFileOthersMayReadAnEmptyOneOrNoneIsRefusedAndTheSecretNotSaid() throws Exception {
        assertThatThrownBy(() -> SecretFile.read(file("s3cr3t", "rw-r--r--"), "flowtrap.chatops.x"))
                .hasMessageContaining("flowtrap.chatops.x").hasMessageContaining("chmod 600").hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> SecretFile.read(file("\n", "rw-------"), "x")).hasMessageContaining("is empty");
        assertThatThrownBy(() -> SecretFile.read(dir.resolve("none"), "x")).hasMessageContaining("cannot be read");
    }
}
