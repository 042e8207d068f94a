package io.stardust.resourcectl;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs the controller against a {@link SimulatedPlant} over a budget, deterministically and as fast as the machine
 * goes, and evaluates the run.
 */
public final class Simulation
{
    /**
     * The series of a run, one value per period, and its evaluation.
     *
     * @param periodSeconds the period.
     * @param budget        C(t).
     * @param power         measured power.
     * @param throughput    transactions per second.
     * @param oracle        the oracle's throughput.
     * @param capacity      the capacity in force.
     * @param debt          the ledger's debt after the period.
     * @param decisions     every decision, with its reason (empty when the controller was off).
     * @param evaluation    the metrics.
     */
    public record Run(double periodSeconds, double[] budget, double[] power, double[] throughput, double[] oracle,
        double[] capacity, double[] debt, List<Decision> decisions, Evaluation evaluation)
    {
    }

    private Simulation()
    {
    }

    /**
     * @param budget        C(t).
     * @param plant         the plant.
     * @param config        the controller's settings, its period included.
     * @param model         the controller's power model (need not be the plant's).
     * @param seconds       how long to run.
     * @param windowSeconds the ledger's window T.
     * @param controllerOn  false to leave capacity at 1 throughout (the baseline).
     * @return the run.
     */
    public static Run run(final Budget budget, final SimulatedPlant plant, final ControllerConfig config,
        final PowerModel model, final double seconds, final double windowSeconds, final boolean controllerOn)
    {
        final double dt = config.periodSeconds();
        final int n = (int)Math.round(seconds / dt);
        final double[] c = new double[n];
        final double[] p = new double[n];
        final double[] tps = new double[n];
        final double[] oracle = new double[n];
        final double[] cap = new double[n];
        final double[] debt = new double[n];
        final List<Decision> decisions = new ArrayList<>();
        final PowerController controller = new PowerController(config, model);
        final OvershootLedger ledger = new OvershootLedger(windowSeconds);
        double capacity = 1.0;
        double measured = plant.model().idleWatts();
        boolean limited = false;
        for (int k = 0; k < n; k++)
        {
            final double t = k * dt;
            c[k] = budget.watts(t);
            if (controllerOn)
            {
                final Decision d = controller.decide(t, c[k], measured, limited, ledger.debtJoules());
                decisions.add(d);
                capacity = d.capacity();
            }
            final SimulatedPlant.Observation o = plant.step(t, dt, capacity);
            ledger.record(t, dt, o.watts(), c[k]);
            p[k] = o.watts();
            tps[k] = o.throughput();
            oracle[k] = plant.oracleThroughput(t, c[k], config.floorCapacity());
            cap[k] = capacity;
            debt[k] = ledger.debtJoules();
            measured = o.watts();
            limited = o.limited();
        }
        return new Run(dt, c, p, tps, oracle, cap, debt, List.copyOf(decisions),
            Evaluation.of(dt, windowSeconds, c, p, tps, oracle));
    }
}
