package io.flowtrap.manager.chatops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A secret read from its file: the file must be readable by its owner only (0600 or 0400), else
 * the manager does not start (a secret others can read is no secret). Its content, without the
 * trailing line break, is never logged.
 */
final class SecretFile {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFile() {}

    static byte[] read(Path file, String setting) {
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.stream().anyMatch(OTHERS::contains)) {
                throw new IllegalStateException(setting + ": " + file + " may be read by others (mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(mode) + "); chmod 600 it");
            }
            String secret = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (secret.isEmpty()) {
                throw new IllegalStateException(setting + ": " + file + " is empty");
            }
            return secret.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(setting + ": " + file + " cannot be read: " + e.getMessage(), e);
        }
    }
}
