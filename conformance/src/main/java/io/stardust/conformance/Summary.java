package io.stardust.conformance;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What a conformance run did and found: printed as a table and written as JSON. */
final class Summary
{
    final long seed;
    final String mode;
    long seconds;
    int scenarios;
    int scenariosPassed;
    String interfaces = "kv";
    int invalidRequests;
    int invalidRequestsPassed;
    int histories;
    long transactions;
    long transactionsOk;
    long transactionsFailed;
    long transactionsIndeterminate;
    final Map<String, Integer> faults = new TreeMap<>();
    final Map<String, Integer> anomalies = new TreeMap<>();
    long ackedWritesLost;
    long bankTransfers;
    long bankReads;
    int bankViolations;
    int digestEpochsCompared;
    int digestMismatches;
    long framesFuzzed;
    long framesFuzzedIngress;
    long framesFuzzedRead;
    long structuredFrames;
    long structuredFindings;
    int crashes;
    final List<String> failures = new ArrayList<>();

    Summary(final long seed, final String mode)
    {
        this.seed = seed;
        this.mode = mode;
    }

    boolean passed()
    {
        return failures.isEmpty();
    }

    void fail(final String what)
    {
        failures.add(what);
    }

    int faultsInjected()
    {
        return faults.values().stream().mapToInt(Integer::intValue).sum();
    }

    String table()
    {
        final Map<String, String> rows = new LinkedHashMap<>();
        rows.put("seed", seed + " (replay: bin/conformance --seed " + seed + ("quick".equals(mode) ? " --quick" : "") +
            ")");
        rows.put("mode, duration", mode + ", " + seconds + " s");
        rows.put("anomaly scenarios passed", scenariosPassed + "/" + scenarios + " (" + interfaces + ")");
        rows.put("invalid requests answered right", invalidRequestsPassed + "/" + invalidRequests);
        rows.put("histories checked", Integer.toString(histories));
        rows.put("transactions", String.format("%,d (%,d ok, %,d failed, %,d indeterminate)", transactions,
            transactionsOk, transactionsFailed, transactionsIndeterminate));
        rows.put("faults injected", faultsInjected() + (faults.isEmpty() ? "" : " " + faults));
        rows.put("anomalies by class", anomalies.isEmpty() ? "none" : anomalies.toString());
        rows.put("acknowledged writes lost", Long.toString(ackedWritesLost));
        rows.put("bank total violations", String.format("%d (%,d transfers, %,d snapshot reads)", bankViolations,
            bankTransfers, bankReads));
        rows.put("replica digest mismatches", digestMismatches + " (" + digestEpochsCompared + " epochs compared)");
        rows.put("frames fuzzed", String.format("%,d (%,d ingress, %,d read endpoints)", framesFuzzed,
            framesFuzzedIngress, framesFuzzedRead));
        rows.put("structured records fuzzed", String.format("%,d (%d findings)", structuredFrames,
            structuredFindings));
        rows.put("member crashes", Integer.toString(crashes));
        rows.put("result", passed() ? "PASS" : "FAIL (" + failures.size() + " problems)");
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format("| %-32s | %s%n", "Stardust conformance", ""));
        sb.append(String.format("|%s|%s%n", "-".repeat(34), "-".repeat(60)));
        rows.forEach((k, v) -> sb.append(String.format("| %-32s | %s%n", k, v)));
        for (final String f : failures)
        {
            sb.append("FAILURE: ").append(f).append('\n');
        }
        return sb.toString();
    }

    String json()
    {
        final StringBuilder sb = new StringBuilder("{\n");
        field(sb, "seed", seed);
        field(sb, "mode", mode);
        field(sb, "seconds", seconds);
        field(sb, "passed", passed());
        field(sb, "scenarios", scenarios);
        field(sb, "scenariosPassed", scenariosPassed);
        field(sb, "interfaces", interfaces);
        field(sb, "invalidRequests", invalidRequests);
        field(sb, "invalidRequestsPassed", invalidRequestsPassed);
        field(sb, "histories", histories);
        field(sb, "transactions", transactions);
        field(sb, "transactionsOk", transactionsOk);
        field(sb, "transactionsFailed", transactionsFailed);
        field(sb, "transactionsIndeterminate", transactionsIndeterminate);
        field(sb, "faultsInjected", faultsInjected());
        map(sb, "faults", faults);
        map(sb, "anomalies", anomalies);
        field(sb, "ackedWritesLost", ackedWritesLost);
        field(sb, "bankTransfers", bankTransfers);
        field(sb, "bankReads", bankReads);
        field(sb, "bankViolations", bankViolations);
        field(sb, "digestEpochsCompared", digestEpochsCompared);
        field(sb, "digestMismatches", digestMismatches);
        field(sb, "framesFuzzed", framesFuzzed);
        field(sb, "framesFuzzedIngress", framesFuzzedIngress);
        field(sb, "framesFuzzedRead", framesFuzzedRead);
        field(sb, "structuredFrames", structuredFrames);
        field(sb, "structuredFindings", structuredFindings);
        field(sb, "crashes", crashes);
        sb.append("  \"failures\": [");
        for (int i = 0; i < failures.size(); i++)
        {
            sb.append(i == 0 ? "\n    " : ",\n    ").append(quote(failures.get(i)));
        }
        sb.append(failures.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        return sb.toString();
    }

    void writeJson(final File file) throws IOException
    {
        if (file.getParentFile() != null)
        {
            Files.createDirectories(file.getParentFile().toPath());
        }
        Files.writeString(file.toPath(), json(), StandardCharsets.UTF_8);
    }

    private static void field(final StringBuilder sb, final String name, final Object value)
    {
        sb.append("  ").append(quote(name)).append(": ")
            .append(value instanceof String s ? quote(s) : String.valueOf(value)).append(",\n");
    }

    private static void map(final StringBuilder sb, final String name, final Map<String, Integer> values)
    {
        sb.append("  ").append(quote(name)).append(": {");
        int i = 0;
        for (final Map.Entry<String, Integer> e : values.entrySet())
        {
            sb.append(i++ == 0 ? "" : ", ").append(quote(e.getKey())).append(": ").append(e.getValue());
        }
        sb.append("},\n");
    }

    static String quote(final String s)
    {
        return io.stardust.test.Json.quote(s);
    }
}
