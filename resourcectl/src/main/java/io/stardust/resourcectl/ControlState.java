package io.stardust.resourcectl;

import java.util.Map;
import java.util.TreeMap;

/**
 * What operators have told the controller ({@code stardust ops budget} and {@code stardust ops controller}): whether
 * it may turn knobs, the whole cluster's budget and each datacenter's.
 *
 * @param controllerOn whether the controller turns knobs; when off it only watches and accounts, and the knobs stay
 *                     where they are.
 * @param cluster      the budget of the whole cluster; null for none.
 * @param datacenters  the budget of each datacenter that has one, by label.
 */
public record ControlState(boolean controllerOn, BudgetSpec cluster, Map<String, BudgetSpec> datacenters)
{
    /** Nothing set: the controller on, no budget. */
    public static final ControlState NONE = new ControlState(true, null, Map.of());

    /** A copy whose map cannot change, sorted by label. */
    public ControlState
    {
        datacenters = java.util.Collections.unmodifiableMap(new TreeMap<>(datacenters));
    }

    /** @return true when no budget is set at all. */
    public boolean noBudget()
    {
        return cluster == null && datacenters.isEmpty();
    }
}
