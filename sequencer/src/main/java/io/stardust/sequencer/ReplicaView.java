package io.stardust.sequencer;

import io.aeron.cluster.service.Cluster;
import io.stardust.catalog.Catalog;
import io.stardust.storage.Storage;

/**
 * What a member's read endpoint may see of its replica, from any thread.
 */
public interface ReplicaView
{
    int memberId();

    String datacenter();

    Storage storage();

    /** @return the catalog as of the last applied change. */
    Catalog catalog();

    /** @return the Raft role, or null before the service started. */
    Cluster.Role role();

    long batchWindowMicros();

    long committedCount();

    long abortedCount();

    /** @return one-shot transactions sequenced since this member started. */
    long oneShotCount();

    /** @return one-shot transactions aborted by a false condition since this member started. */
    long conditionFailureCount();

    /** @return digest after the latest applied epoch. */
    long lastDigest();

    /**
     * @param epoch an epoch.
     * @return its digest, or null when not applied yet or no longer kept.
     */
    Long digestAt(long epoch);

    /** @return scheduler worker threads. */
    int workers();

    /** @return telemetry of the epochs this replica applied. */
    EpochTelemetry telemetry();

    /** @return the replicated admission rate, transactions per second; 0 for no limit. */
    default long admissionRatePerSecond()
    {
        return 0;
    }

    /** @return commits refused as over the admission rate since this member started. */
    default long overBudgetRefusals()
    {
        return 0;
    }

    /** @return the work each database drew on this member. */
    TenantCounters tenants();
}
