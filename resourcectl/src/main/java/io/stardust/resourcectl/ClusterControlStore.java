package io.stardust.resourcectl;

import io.stardust.client.KeyValue;
import io.stardust.client.RejectedException;
import io.stardust.client.StardustClient;
import io.stardust.client.Transaction;
import io.stardust.protocol.codecs.ErrorCode;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The controller's instructions kept in the cluster itself, in the table {@value #TABLE}: replicated and durable like
 * any row, so they survive a controller's restart, every controller reads the same ones, and any operator's
 * {@code stardust} command can change them. Keys:
 * <ul>
 *   <li>{@code controller}: {@code on} or {@code off};</li>
 *   <li>{@code budget}: the whole cluster's {@link BudgetSpec};</li>
 *   <li>{@code budget.dc.<label>}: a datacenter's.</li>
 * </ul>
 * Nothing stored means the controller is on and has no budget but the one it was started with.
 */
public final class ClusterControlStore implements ControlSource
{
    /** The table the controller's instructions live in. */
    public static final String TABLE = "_stardust_ops";
    private static final String CONTROLLER = "controller";
    private static final String BUDGET = "budget";
    private static final String DC_PREFIX = "budget.dc.";

    private final StardustClient client;

    /** @param client a client of the cluster. */
    public ClusterControlStore(final StardustClient client)
    {
        this.client = client;
    }

    @Override
    public ControlState read()
    {
        final Transaction tx = client.begin();
        try
        {
            final String controller = tx.get(TABLE, CONTROLLER);
            final String cluster = tx.get(TABLE, BUDGET);
            final Map<String, BudgetSpec> dcs = new TreeMap<>();
            for (final KeyValue kv : tx.scan(TABLE, bytes(DC_PREFIX), bytes(DC_PREFIX.substring(0,
                DC_PREFIX.length() - 1) + "/"), 1000))
            {
                final String key = new String(kv.key(), StandardCharsets.UTF_8);
                dcs.put(key.substring(DC_PREFIX.length()), parse(key, new String(kv.value(), StandardCharsets.UTF_8)));
            }
            return new ControlState(!"off".equals(controller), cluster == null ? null : parse(BUDGET, cluster), dcs);
        }
        catch (final RejectedException ex)
        {
            if (ex.code() == ErrorCode.UNKNOWN_TABLE)
            {
                return ControlState.NONE;
            }
            throw ex;
        }
    }

    /**
     * @param datacenter the datacenter's label; null for the whole cluster.
     * @param spec       its budget; null to clear it.
     */
    public void setBudget(final String datacenter, final BudgetSpec spec)
    {
        write(datacenter == null ? BUDGET : DC_PREFIX + datacenter, spec == null ? null : spec.format());
    }

    /** @param on whether the controller turns knobs. */
    public void setController(final boolean on)
    {
        write(CONTROLLER, on ? "on" : "off");
    }

    private void write(final String key, final String value)
    {
        try
        {
            commit(key, value);
        }
        catch (final RejectedException ex)
        {
            // The first instruction to this cluster: the refused commit applied nothing, so it is sent again.
            if (ex.code() != ErrorCode.UNKNOWN_TABLE)
            {
                throw ex;
            }
            createTable();
            commit(key, value);
        }
    }

    private void commit(final String key, final String value)
    {
        final Transaction tx = client.begin();
        if (value == null)
        {
            tx.delete(TABLE, bytes(key));
        }
        else
        {
            tx.put(TABLE, key, value);
        }
        tx.commitSync();
    }

    private void createTable()
    {
        try
        {
            client.createTable(TABLE).get(30, TimeUnit.SECONDS);
        }
        catch (final ExecutionException | CompletionException ex)
        {
            if (!(ex.getCause() instanceof RejectedException r && r.code() == ErrorCode.TABLE_EXISTS))
            {
                throw new IllegalStateException("cannot create the table " + TABLE + ": " + ex.getCause().getMessage(),
                    ex.getCause());
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new IllegalStateException("the cluster did not answer within 30 s", ex);
        }
    }

    private static BudgetSpec parse(final String key, final String text)
    {
        try
        {
            return BudgetSpec.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("the budget stored at " + TABLE + "/" + key + " is unreadable: " +
                ex.getMessage(), ex);
        }
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
