package io.flowtrap.manager.extraction;

import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/** Runs {@link ExtractionJobs#expire()} every {@code flowtrap.expiry-sweep-interval}, the first time at start. */
@Configuration(proxyBeanMethods = false)
class ExpirySweepSchedule implements SchedulingConfigurer {
    private final ExtractionJobs jobs;
    private final ExtractionProperties properties;

    ExpirySweepSchedule(ExtractionJobs jobs, ExtractionProperties properties) {
        this.jobs = jobs;
        this.properties = properties;
    }

    @Override
    public void configureTasks(ScheduledTaskRegistrar registrar) {
        registrar.addFixedDelayTask(jobs::expire, properties.expirySweepInterval());
    }
}
