package io.stardust.bench.jmh;

/**
 * The JVM flags Agrona and Chronicle Map need on Java 17, for JMH's forked JVMs (keep in step with
 * {@code stardust.jvm.flags} in the root pom and {@code bin/jvm-flags.sh}).
 */
final class JvmFlags
{
    static final String MISC = "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED";
    static final String LANG = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    static final String REFLECT = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED";
    static final String NIO_CH = "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String JAVAC = "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED";
    static final String REF = "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";
    static final String IO = "--add-opens=java.base/java.io=ALL-UNNAMED";
    static final String NIO = "--add-opens=java.base/java.nio=ALL-UNNAMED";
    static final String NIO_CH_OPEN = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";
    static final String UTIL = "--add-opens=java.base/java.util=ALL-UNNAMED";
    static final String ANALYTICS = "-Dchronicle.analytics.disable=true";
    static final String DISK_MONITOR = "-Dchronicle.disk.monitor.disable=true";
    static final String ANNOUNCER = "-Dchronicle.announcer.disable=true";

    private JvmFlags()
    {
    }
}
