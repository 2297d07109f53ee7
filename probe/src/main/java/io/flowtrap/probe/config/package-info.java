/** The probe's settings file and the size and duration values operators write in it. Imports no probe part. */
package io.flowtrap.probe.config;
