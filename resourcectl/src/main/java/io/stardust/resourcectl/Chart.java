package io.stardust.resourcectl;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.Locale;

/** Draws a run over time as a PNG: power against budget, throughput against the oracle's, and the capacity knob. */
public final class Chart
{
    private static final int WIDTH = 1200;
    private static final int PANEL = 240;
    private static final int LEFT = 80;
    private static final int TOP = 30;

    private Chart()
    {
    }

    /**
     * @param run   the run.
     * @param title a title for the top.
     * @param file  the PNG to write.
     * @throws IOException when it cannot be written.
     */
    public static void write(final Simulation.Run run, final String title, final File file) throws IOException
    {
        write(title, run.periodSeconds() * run.budget().length, java.util.List.of(
            new Panel("watts", new double[][] {run.budget(), run.power()},
                new Color[] {new Color(0xE69F00), new Color(0x0072B2)}, new String[] {"budget", "power"}),
            new Panel("txn/s", new double[][] {run.oracle(), run.throughput()},
                new Color[] {Color.GRAY, new Color(0x009E73)}, new String[] {"oracle", "throughput"}),
            new Panel("capacity", new double[][] {run.capacity()},
                new Color[] {new Color(0xCC79A7)}, new String[] {"capacity (knobs)"})), file);
    }

    /**
     * One panel of a chart: series over time in one unit.
     *
     * @param unit   the unit, at the top left.
     * @param series each a value per period.
     * @param colors each series' color.
     * @param names  each series' name, for the legend.
     */
    public record Panel(String unit, double[][] series, Color[] colors, String[] names)
    {
    }

    /**
     * Draw panels one under another, over the same time.
     *
     * @param title   a title for the top.
     * @param seconds the time the periods span.
     * @param panels  the panels.
     * @param file    the PNG to write.
     * @throws IOException when it cannot be written.
     */
    public static void write(final String title, final double seconds, final java.util.List<Panel> panels,
        final File file) throws IOException
    {
        final BufferedImage image = new BufferedImage(WIDTH, TOP + panels.size() * (PANEL + 30),
            BufferedImage.TYPE_INT_RGB);
        final Graphics2D g = image.createGraphics();
        try
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, 20);
            for (int i = 0; i < panels.size(); i++)
            {
                final Panel p = panels.get(i);
                panel(g, i, p.unit(), seconds, p.series(), p.colors(), p.names());
            }
        }
        finally
        {
            g.dispose();
        }
        if (!ImageIO.write(image, "png", file))
        {
            throw new IOException("no PNG writer in this JDK");
        }
    }

    private static void panel(final Graphics2D g, final int index, final String unit, final double seconds,
        final double[][] series, final Color[] colors, final String[] names)
    {
        final int top = TOP + index * (PANEL + 30) + 10;
        final int width = WIDTH - LEFT - 20;
        double max = 0;
        for (final double[] s : series)
        {
            for (final double v : s)
            {
                max = Math.max(max, v);
            }
        }
        max = max <= 0 ? 1 : max * 1.1;
        g.setColor(new Color(0xF4F4F4));
        g.fillRect(LEFT, top, width, PANEL);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int i = 0; i <= 4; i++)
        {
            final int y = top + PANEL - i * PANEL / 4;
            g.drawString(String.format(Locale.ROOT, "%.1f", max * i / 4), 5, y + 4);
            g.drawLine(LEFT - 4, y, LEFT, y);
        }
        g.drawString(unit, 5, top - 2);
        g.drawString(String.format(Locale.ROOT, "%.0f s", seconds), LEFT + width - 40, top + PANEL + 14);
        for (int s = 0; s < series.length; s++)
        {
            g.setColor(colors[s]);
            g.setStroke(new BasicStroke(1.5f));
            final double[] v = series[s];
            for (int k = 1; k < v.length; k++)
            {
                final int x0 = LEFT + (int)((long)width * (k - 1) / Math.max(1, v.length - 1));
                final int x1 = LEFT + (int)((long)width * k / Math.max(1, v.length - 1));
                g.drawLine(x0, top + PANEL - (int)(PANEL * v[k - 1] / max), x1, top + PANEL - (int)(PANEL * v[k] / max));
            }
            g.fillRect(LEFT + 10 + s * 160, top + 6, 12, 12);
            g.setColor(Color.BLACK);
            g.drawString(names[s], LEFT + 26 + s * 160, top + 16);
        }
    }
}
